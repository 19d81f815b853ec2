"""Spam checks of new posts (``moderation.spam``), through the forum's services: the
built-in heuristic, the Akismet-compatible service (a real HTTP server on 127.0.0.1),
checks plugged in by dotted path, administrators' patterns that backtrack, and staff."""

import logging
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forum import services as forum
from forum.models import Comment, Post, Visibility
from forum.screening import Submission
from moderation.models import BlockedDomain, ModerationSettings, ReviewItem, ScreeningRule
from reputation.models import Privilege
from tests.factories import UserFactory, give_privilege, make_answer, make_thread

pytestmark = pytest.mark.django_db

HEURISTIC = "moderation.spam.heuristic"
AKISMET = "moderation.spam.akismet"
CUSTOM = "tests.moderation.test_spam.casino_check"
API_KEY = "test-akismet-key"

ORDINARY = "Hold the reset button for ten seconds, then pair the thermostat with the app again."
LONG_TEXT = "After the update the display went blank; a power cycle at the breaker brought it back."
REPETITIVE = "buy cheap pills now " * 10


def casino_check(submission: Submission) -> list[str]:
    """A spam check of the community's own, named in MODERATION_SPAM_CHECKERS."""
    if "casino" in submission.text.casefold():
        return [f"the casino check held this {submission.kind}"]
    return []


def links_to(*urls: str) -> str:
    return "See " + " and ".join(urls) + " for the details."


def example_links(count: int) -> str:
    return links_to(*(f"https://docs{n}.example.com/e42" for n in range(count)))


@pytest.fixture
def heuristic(settings):
    """Only the built-in heuristic checks posts. Tests request it after the fixtures that
    post (thread, answer): those posts are written before it is on."""
    settings.MODERATION_SPAM_CHECKERS = [HEURISTIC]


@pytest.fixture
def linker(db):
    """A member who may post links: only the spam checks can hold their posts."""
    return give_privilege(UserFactory(), Privilege.POST_LINKS)


def _held_reasons(post: Post) -> list[str]:
    post.refresh_from_db()
    assert post.state == Visibility.PENDING
    item = ReviewItem.objects.get(post=post, comment=None)
    assert (item.kind, item.status) == ("pending", "open")
    return item.reasons


def _is_published(post: Post) -> bool:
    post.refresh_from_db()
    return post.state == Visibility.PUBLISHED and not ReviewItem.objects.exists()


def _spam_warnings(caplog, text: str) -> bool:
    return any(
        text in record.getMessage()
        for record in caplog.records
        if record.name == "moderation.spam" and record.levelno == logging.WARNING
    )


# --- The built-in heuristic -------------------------------------------------------------


def test_an_ordinary_answer_is_published(committed, thread, linker, heuristic):
    with committed():
        answer = make_answer(thread, author=linker, body=ORDINARY)

    assert _is_published(answer)


def test_an_ordinary_question_is_published(committed, category, linker, heuristic):
    with committed():
        thread = make_thread(author=linker, category=category, body=LONG_TEXT)

    thread.refresh_from_db()
    assert thread.state == Visibility.PUBLISHED
    assert _is_published(thread.posts.get(kind="question"))


def test_a_post_with_as_many_links_as_allowed_is_published(committed, thread, linker, heuristic):
    ModerationSettings.objects.update(max_links=3)

    with committed():
        answer = make_answer(thread, author=linker, body=example_links(3))

    assert _is_published(answer)


def test_a_post_with_more_links_than_allowed_is_held(committed, thread, linker, heuristic):
    ModerationSettings.objects.update(max_links=3)

    with committed():
        answer = make_answer(thread, author=linker, body=example_links(4))

    assert _held_reasons(answer) == ["4 links (more than the 3 allowed)"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://spam.example/offer", "spam.example"),
        ("https://SPAM.example/offer", "spam.example"),
        ("https://shop.spam.example/offer", "shop.spam.example"),
        ("https://www.spam.example/offer", "spam.example"),
        ("spam.example/offer", "spam.example"),
    ],
)
def test_a_post_linking_to_a_blocked_domain_is_held(
    committed, thread, linker, url, host, heuristic
):
    BlockedDomain.objects.create(domain="spam.example")

    with committed():
        answer = make_answer(thread, author=linker, body=f"Cheap parts at [the shop]({url}).")

    assert _held_reasons(answer) == [f"links to a blocked site: {host}"]


def test_a_question_linking_to_a_blocked_domain_is_held_with_its_thread(
    committed, category, linker, heuristic
):
    BlockedDomain.objects.create(domain="spam.example")

    with committed():
        thread = make_thread(
            author=linker, category=category, body=links_to("https://spam.example/deal")
        )

    thread.refresh_from_db()
    assert thread.state == Visibility.PENDING
    assert _held_reasons(thread.posts.get(kind="question")) == [
        "links to a blocked site: spam.example"
    ]


def test_a_blocked_domain_is_stored_without_www_and_still_blocks(
    committed, thread, linker, heuristic
):
    blocked = BlockedDomain.objects.create(domain=" www.Spam.Example ")

    with committed():
        answer = make_answer(thread, author=linker, body=links_to("https://spam.example/x"))

    blocked.refresh_from_db()
    assert blocked.domain == "spam.example"
    assert _held_reasons(answer) == ["links to a blocked site: spam.example"]


def test_a_domain_that_only_ends_like_a_blocked_one_is_published(
    committed, thread, linker, heuristic
):
    BlockedDomain.objects.create(domain="spam.example")

    with committed():
        answer = make_answer(thread, author=linker, body=links_to("https://notspam.example/x"))

    assert _is_published(answer)


def test_a_link_to_a_blocked_domain_written_with_a_trailing_dot_is_held(
    committed, thread, linker, heuristic
):
    BlockedDomain.objects.create(domain="spam.example")

    with committed():
        answer = make_answer(thread, author=linker, body=links_to("https://spam.example./x"))

    assert _held_reasons(answer) == ["links to a blocked site: spam.example"]


def test_the_same_answer_posted_twice_within_a_day_is_held(committed, category, linker, heuristic):
    first = make_answer(make_thread(category=category), author=linker, body=LONG_TEXT)

    with committed():
        second = make_answer(make_thread(category=category), author=linker, body=LONG_TEXT)

    assert first.state == Visibility.PUBLISHED
    assert _held_reasons(second) == ["the same text posted again within a day"]


def test_the_same_question_asked_twice_within_a_day_is_held(committed, category, linker, heuristic):
    make_thread(author=linker, category=category, title="Display blank", body=LONG_TEXT)

    with committed():
        thread = make_thread(
            author=linker, category=category, title="Blank display again", body=LONG_TEXT
        )

    assert _held_reasons(thread.posts.get(kind="question")) == [
        "the same text posted again within a day"
    ]


def test_the_same_comment_posted_twice_within_a_day_is_held(
    committed, question, answer, linker, heuristic
):
    forum.post_comment(question, author=linker, body=LONG_TEXT)

    with committed():
        comment = forum.post_comment(answer, author=linker, body=LONG_TEXT)

    comment.refresh_from_db()
    assert comment.state == Visibility.PENDING
    item = ReviewItem.objects.get(comment=comment)
    assert item.reasons == ["the same text posted again within a day"]


def test_a_short_text_may_be_posted_twice(committed, category, linker, heuristic):
    short = "Thanks, that fixed it for me!"
    assert len(short) < 40
    make_answer(make_thread(category=category), author=linker, body=short)

    with committed():
        again = make_answer(make_thread(category=category), author=linker, body=short)

    assert _is_published(again)


def test_the_same_text_from_another_member_is_published(
    committed, category, linker, other_customer, heuristic
):
    make_answer(make_thread(category=category), author=other_customer, body=LONG_TEXT)

    with committed():
        answer = make_answer(make_thread(category=category), author=linker, body=LONG_TEXT)

    assert _is_published(answer)


def test_the_same_text_posted_again_after_a_day_is_published(
    committed, category, linker, heuristic
):
    first = make_answer(make_thread(category=category), author=linker, body=LONG_TEXT)
    Post.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=25))

    with committed():
        again = make_answer(make_thread(category=category), author=linker, body=LONG_TEXT)

    assert _is_published(again)


def test_repetitive_text_is_held(committed, thread, linker, heuristic):
    with committed():
        answer = make_answer(thread, author=linker, body=REPETITIVE)

    assert _held_reasons(answer) == ["the same words repeated over and over"]


# --- The Akismet-compatible service -----------------------------------------------------


class SpamService(ThreadingHTTPServer):
    """An Akismet-compatible service on 127.0.0.1: answers ``answer`` to comment-check
    after ``delay`` seconds (or ``raw`` bytes, not HTTP) and keeps each request's form."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SpamServiceHandler)
        self.answer = "false"
        self.delay = 0.0
        self.raw: bytes | None = None
        self.requests: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.released = threading.Event()  # ends a delay at once when the test is over

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class SpamServiceHandler(BaseHTTPRequestHandler):
    server: SpamService

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.paths.append(self.path)
        self.server.requests.append(dict(parse_qsl(self.rfile.read(length).decode())))
        self.server.released.wait(self.server.delay)
        try:
            if self.server.raw is not None:
                self.wfile.write(self.server.raw)
                return
            body = self.server.answer.encode()
            code = 200 if self.path == "/1.1/comment-check" else 404
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, format: str, *args: object) -> None:  # quiet in test output
        pass


@pytest.fixture
def spam_service():
    service = SpamService()
    thread = threading.Thread(target=service.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield service
    service.released.set()
    service.shutdown()
    service.server_close()
    thread.join(timeout=5)


@pytest.fixture
def akismet(settings, spam_service):
    """Only the Akismet-compatible check, asking ``spam_service``. Tests request it after
    the fixtures that post, so that its requests are the test's own."""
    settings.MODERATION_SPAM_CHECKERS = [AKISMET]
    settings.AKISMET_API_KEY = API_KEY
    settings.AKISMET_URL = spam_service.url + "/"
    settings.AKISMET_TIMEOUT = 5
    return spam_service


def test_a_post_the_service_judges_spam_is_held(committed, thread, other_customer, akismet):
    akismet.answer = "true"

    with committed():
        answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert _held_reasons(answer) == ["the spam service judged it spam"]


def test_a_post_the_service_judges_fine_is_published(committed, thread, other_customer, akismet):
    akismet.answer = "false"

    with committed():
        answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert _is_published(answer)
    assert len(akismet.requests) == 1


def test_the_service_is_asked_with_the_key_the_text_and_the_author(thread, other_customer, akismet):
    make_answer(thread, author=other_customer, body=ORDINARY)

    assert akismet.paths == ["/1.1/comment-check"]
    (form,) = akismet.requests
    assert form["api_key"] == API_KEY
    assert form["comment_content"] == ORDINARY
    assert form["comment_author"] == other_customer.username
    assert form["comment_author_email"] == other_customer.email


def test_a_question_is_sent_to_the_service_with_its_title(category, customer, akismet):
    make_thread(author=customer, category=category, title="Display blank", body=LONG_TEXT)

    (form,) = akismet.requests
    assert form["comment_content"] == f"Display blank\n\n{LONG_TEXT}"
    assert form["comment_type"] == "forum-post"


def test_a_comment_the_service_judges_spam_is_held(committed, question, other_customer, akismet):
    akismet.answer = "true"

    with committed():
        comment = forum.post_comment(question, author=other_customer, body="Try my shop.")

    comment.refresh_from_db()
    assert comment.state == Visibility.PENDING
    assert ReviewItem.objects.get(comment=comment).reasons == ["the spam service judged it spam"]


def test_a_post_is_published_when_the_service_refuses_connections(
    committed, thread, other_customer, caplog, akismet
):
    akismet.shutdown()
    akismet.server_close()

    with caplog.at_level(logging.WARNING, logger="moderation.spam"), committed():
        answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert _is_published(answer)
    assert akismet.requests == []
    assert _spam_warnings(caplog, "the spam service could not be asked")


def test_a_post_is_published_when_the_service_times_out(
    settings, committed, thread, other_customer, caplog, akismet
):
    settings.AKISMET_TIMEOUT = 1
    akismet.answer = "true"
    akismet.delay = 2

    with caplog.at_level(logging.WARNING, logger="moderation.spam"), committed():
        answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert _is_published(answer)
    assert len(akismet.requests) == 1
    assert _spam_warnings(caplog, "the spam service could not be asked")


def test_a_post_is_published_when_the_service_answers_neither_true_nor_false(
    committed, thread, other_customer, caplog, akismet
):
    akismet.answer = "invalid"

    with caplog.at_level(logging.WARNING, logger="moderation.spam"), committed():
        answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert _is_published(answer)
    assert _spam_warnings(caplog, "the spam service answered 'invalid'")


def test_a_post_is_published_when_the_service_replies_with_something_not_http(
    committed, thread, other_customer, caplog, akismet
):
    akismet.raw = b"SSH-2.0-OpenSSH_9.6\r\n"

    with caplog.at_level(logging.WARNING, logger="moderation.spam"), committed():
        answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert _is_published(answer)
    assert _spam_warnings(caplog, "the spam service could not be asked")


def test_without_a_key_the_service_is_not_asked(settings, committed, thread, customer, akismet):
    settings.AKISMET_API_KEY = ""
    akismet.answer = "true"

    with committed():
        answer = make_answer(thread, author=customer, body=ORDINARY)

    assert _is_published(answer)
    assert akismet.requests == []


def test_the_service_is_told_the_sites_address(settings, spam_service, thread, other_customer):
    settings.MODERATION_SPAM_CHECKERS = [AKISMET]
    settings.AKISMET_API_KEY = API_KEY
    settings.AKISMET_URL = spam_service.url

    answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert answer.state == Visibility.PUBLISHED
    assert spam_service.requests[0]["blog"] == settings.WAGTAILADMIN_BASE_URL


# --- Checks plugged in by dotted path ---------------------------------------------------


def test_a_configured_custom_check_holds_the_post_with_its_reasons(
    settings, committed, thread, other_customer
):
    settings.MODERATION_SPAM_CHECKERS = [CUSTOM]

    with committed():
        answer = make_answer(thread, author=other_customer, body="Win big at the Casino tonight.")

    assert _held_reasons(answer) == ["the casino check held this answer"]


def test_a_configured_custom_check_lets_other_posts_through(
    settings, committed, thread, other_customer
):
    settings.MODERATION_SPAM_CHECKERS = [CUSTOM]

    with committed():
        answer = make_answer(thread, author=other_customer, body=ORDINARY)

    assert _is_published(answer)


def test_every_configured_check_adds_its_reasons(settings, committed, thread, linker):
    settings.MODERATION_SPAM_CHECKERS = [HEURISTIC, CUSTOM]

    with committed():
        answer = make_answer(thread, author=linker, body="casino " * 40)

    assert _held_reasons(answer) == [
        "the same words repeated over and over",
        "the casino check held this answer",
    ]


# --- Administrators' patterns -----------------------------------------------------------


def test_a_rule_that_backtracks_catastrophically_holds_the_post_without_stalling(
    committed, thread, other_customer, caplog
):
    # regex's engine defuses the textbook (a+)+$; (a|aa)+$ still explodes on a near miss.
    ScreeningRule.objects.create(pattern=r"(a|aa)+$", is_regex=True, note="runaway")
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="moderation.spam"), committed():
        answer = make_answer(thread, author=other_customer, body="a" * 40 + "b")

    assert time.monotonic() - started < 10  # unguarded, this search runs for minutes
    assert _held_reasons(answer) == ["matches the screening rule “runaway”"]
    assert _spam_warnings(caplog, "failed on a post; it holds it for review")


def test_an_invalid_pattern_is_refused_with_a_readable_message():
    rule = ScreeningRule(pattern="(unclosed", is_regex=True)

    with pytest.raises(ValidationError) as refused:
        rule.full_clean()

    assert refused.value.message_dict == {
        "pattern": ["This is not a valid pattern: missing ) at position 9"]
    }


def test_an_invalid_pattern_is_accepted_as_plain_words():
    ScreeningRule(pattern="(unclosed", is_regex=False).full_clean()


# --- Staff ------------------------------------------------------------------------------


def test_staff_posts_are_never_screened(settings, committed, thread, brand_rep, akismet):
    settings.MODERATION_SPAM_CHECKERS = [HEURISTIC, AKISMET, CUSTOM]
    akismet.answer = "true"
    BlockedDomain.objects.create(domain="spam.example")
    body = "casino " + links_to(*(f"https://spam.example/{n}" for n in range(20)))

    with committed():
        answer = make_answer(thread, author=brand_rep, body=body)

    assert _is_published(answer)
    assert akismet.requests == []


def test_a_staff_comment_repeating_itself_is_published(
    committed, question, answer, brand_rep, heuristic
):
    forum.post_comment(question, author=brand_rep, body=LONG_TEXT)

    with committed():
        comment = forum.post_comment(answer, author=brand_rep, body=LONG_TEXT)

    comment.refresh_from_db()
    assert comment.state == Visibility.PUBLISHED
    assert not ReviewItem.objects.filter(comment=comment).exists()
    assert Comment.objects.filter(author=brand_rep).count() == 2
