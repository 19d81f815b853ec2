"""core.ratelimit: fixed windows counted in the shared cache."""

import pytest

from core import ratelimit


@pytest.fixture
def clock(monkeypatch):
    """The time core.ratelimit reads, set by the test: ``clock.now = ...``."""

    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr(ratelimit.time, "time", lambda: Clock.now)
    return Clock


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("30/m", ratelimit.Rate(30, 60)),
        ("5/10s", ratelimit.Rate(5, 10)),
        ("100/h", ratelimit.Rate(100, 3600)),
        (" 1000/d ", ratelimit.Rate(1000, 86400)),
    ],
)
def test_parse_rate_reads_count_and_period(text, rate):
    assert ratelimit.parse_rate(text) == rate


@pytest.mark.parametrize("text", ["30", "30/", "30/w", "m/30", "30/0s", "-1/m", "30/m/ip"])
def test_parse_rate_refuses_what_is_not_a_rate(text):
    with pytest.raises(ValueError, match="A rate"):
        ratelimit.parse_rate(text)


def test_hit_allows_the_rate_then_refuses(clock):
    results = [ratelimit.hit("test", "member-1", "3/m") for _ in range(4)]

    assert [result.allowed for result in results] == [True, True, True, False]
    assert [result.count for result in results] == [1, 2, 3, 4]


def test_hit_counts_each_key_and_scope_apart(clock):
    ratelimit.hit("test", "member-1", "1/m")

    assert ratelimit.hit("test", "member-2", "1/m").allowed
    assert ratelimit.hit("other", "member-1", "1/m").allowed
    assert not ratelimit.hit("test", "member-1", "1/m").allowed


def test_hit_counts_again_in_the_next_window(clock):
    clock.now = 60 * 1000 + 59.5
    ratelimit.hit("test", "member-1", "1/m")
    refused = ratelimit.hit("test", "member-1", "1/m")
    clock.now += 1

    result = ratelimit.hit("test", "member-1", "1/m")

    assert not refused.allowed
    assert refused.retry_after == 1
    assert result.allowed


def test_hit_allows_when_the_cache_cannot_count(clock, monkeypatch):
    class SilentCache:  # django-redis with IGNORE_EXCEPTIONS while Redis is down
        def add(self, *args, **kwargs):
            return None

        def incr(self, *args, **kwargs):
            return None

    monkeypatch.setattr(ratelimit, "cache", SilentCache())

    assert all(ratelimit.hit("test", "member-1", "1/m").allowed for _ in range(3))
