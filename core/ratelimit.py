"""Rate limits counted in the shared cache, so every worker and host counts together.

A fixed window: the first hit in a window adds a counter that expires with the window,
later hits increment it (both atomic in Redis and in Django's other caches), so a burst
at a window's edge can pass up to twice the rate, which is enough to stop a flood.

    result = ratelimit.hit("forum.preview", str(user.pk), settings.FORUM_PREVIEW_RATE)
    if not result.allowed:
        ...  # answer 429, ask to wait result.retry_after seconds

Rates are written "<count>/<period>", the period a unit (s, m, h, d) with an optional
number: "30/m", "5/10s", "1000/d". When the cache cannot count (Redis down, its errors
ignored), hits are allowed: a limit that fails closed would lock every member out.
"""

import re
import time
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"(\d+)/(\d*)([smhd])")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@dataclass(frozen=True)
class Result:
    allowed: bool
    count: int
    # Seconds until the window ends and hits count from zero again.
    retry_after: int


@lru_cache(maxsize=64)
def parse_rate(rate: str) -> Rate:
    """ "30/m" -> Rate(count=30, seconds=60). Raises ValueError for anything else."""
    match = _RATE.fullmatch(rate.strip())
    if match is None:
        raise ValueError(f"A rate is written like 30/m or 5/10s, not {rate!r}.")
    count, multiple, unit = match.groups()
    seconds = int(multiple or 1) * _UNITS[unit]
    if seconds < 1:
        raise ValueError(f"A rate's period must be at least one second, not {rate!r}.")
    return Rate(int(count), seconds)


def hit(scope: str, key: str, rate: str | Rate) -> Result:
    """Count one hit of *key* (a member's id, an address) against *scope*'s *rate*."""
    if isinstance(rate, str):
        rate = parse_rate(rate)
    now = time.time()
    window = int(now // rate.seconds)
    retry_after = max(int((window + 1) * rate.seconds - now), 1)
    cache_key = f"ratelimit:{scope}:{key}:{rate.seconds}:{window}"
    # The counter outlives its window by a little, never by a whole window.
    timeout = retry_after + 1
    if cache.add(cache_key, 1, timeout):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: this hit starts it again
            cache.add(cache_key, 1, timeout)
            count = 1
    if count is None:  # the cache ignored an error: count nothing, allow
        return Result(True, 0, retry_after)
    return Result(count <= rate.count, count, retry_after)
