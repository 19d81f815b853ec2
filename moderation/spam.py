"""Spam checks for new posts: a built-in heuristic and an Akismet-compatible service.

Each check takes a ``forum.screening.Submission`` and returns the reasons, in words a
moderator reads, to hold it for review ([] when it looks fine). The checks in use are
named by ``MODERATION_SPAM_CHECKERS`` (dotted paths), so another can be plugged in; the
Akismet one does nothing unless ``AKISMET_API_KEY`` is set. A check that fails (the
service is down) holds nothing and logs why: a spam service's outage must not stop a
community from posting.
"""

import http.client
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit

import regex
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum import rendering
from forum.models import Comment, Post
from forum.screening import Submission

logger = logging.getLogger(__name__)

# An administrator's pattern may not stall posting: each match is cut off after this.
RULE_TIMEOUT_SECONDS = 0.05
REPEAT_WINDOW = timedelta(hours=24)


def compile_rule(pattern: str) -> regex.Pattern:
    """An administrator's regular expression, or ValueError saying what is wrong."""
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.VERSION1)
    except regex.error as exc:
        raise ValueError(_("This is not a valid pattern: %(error)s") % {"error": exc}) from None


def matches_rule(pattern: str, is_regex: bool, text: str) -> bool:
    if not is_regex:
        return pattern.casefold() in text.casefold()
    try:
        return compile_rule(pattern).search(text, timeout=RULE_TIMEOUT_SECONDS) is not None
    except (ValueError, TimeoutError):
        logger.warning("screening rule %r failed on a post; it holds it for review", pattern)
        return True


def _host(url: str) -> str:
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    # "spam.example." is the same site as "spam.example".
    return host.lower().rstrip(".").removeprefix("www.")


def blocked_domains_in(html: str, blocked: set[str]) -> list[str]:
    """The blocked domains (or their subdomains) the links of *html* go to."""
    found = []
    for url in rendering.link_targets(html):
        host = _host(url)
        parts = host.split(".")
        if any(".".join(parts[i:]) in blocked for i in range(len(parts) - 1)):
            found.append(host)
    return list(dict.fromkeys(found))


def _is_repetitive(text: str) -> bool:
    """Long text made of a few words said over and over."""
    words = text.casefold().split()
    return len(words) >= 40 and len(set(words)) / len(words) < 0.15


def _posted_before(submission: Submission) -> bool:
    """Did the author post this very text within the last day?"""
    since = timezone.now() - REPEAT_WINDOW
    text = (
        submission.text.split("\n\n", 1)[-1] if submission.kind == "question" else submission.text
    )
    if len(text) < 40:
        return False  # "Thanks, that fixed it!" may well be said twice
    model = Comment if submission.kind == "comment" else Post
    return model.objects.filter(
        author=submission.author, created_at__gte=since, body_markdown=text
    ).exists()


def heuristic(submission: Submission) -> list[str]:
    """Many links, links to blocked sites, the same text posted again, repetitive text."""
    from moderation.models import BlockedDomain, ModerationSettings

    reasons = []
    limits = ModerationSettings.objects.first()
    max_links = limits.max_links if limits else 8
    links = rendering.link_targets(submission.html)
    if len(links) > max_links:
        reasons.append(
            ngettext(
                "%(count)s links (more than the %(limit)s allowed)",
                "%(count)s links (more than the %(limit)s allowed)",
                len(links),
            )
            % {"count": len(links), "limit": max_links}
        )
    if links:
        blocked = set(BlockedDomain.objects.values_list("domain", flat=True))
        if hosts := blocked_domains_in(submission.html, blocked):
            reasons.append(_("links to a blocked site: %(sites)s") % {"sites": ", ".join(hosts)})
    if _is_repetitive(submission.text):
        reasons.append(_("the same words repeated over and over"))
    elif _posted_before(submission):
        reasons.append(_("the same text posted again within a day"))
    return reasons


def akismet(submission: Submission) -> list[str]:
    """Ask an Akismet-compatible service (``AKISMET_URL``) when ``AKISMET_API_KEY`` is set."""
    key = settings.AKISMET_API_KEY
    if not key:
        return []
    author = submission.author
    data = urllib.parse.urlencode(
        {
            "api_key": key,
            "blog": settings.WAGTAILADMIN_BASE_URL,  # the site's address (SITE_URL)
            "user_ip": author.signup_ip or "127.0.0.1",
            "comment_type": "reply" if submission.kind != "question" else "forum-post",
            "comment_author": author.username,
            "comment_author_email": author.email,
            "comment_content": submission.text,
        }
    ).encode()
    url = settings.AKISMET_URL.rstrip("/") + "/1.1/comment-check"
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 (configured URL)
    try:
        with urllib.request.urlopen(request, timeout=settings.AKISMET_TIMEOUT) as response:  # noqa: S310
            answer = response.read(100).decode("utf-8", "replace").strip()
    except (
        urllib.error.URLError,
        TimeoutError,
        OSError,
        http.client.HTTPException,
        ValueError,
    ) as exc:
        logger.warning("the spam service could not be asked: %s", exc)
        return []
    if answer == "true":
        return [_("the spam service judged it spam")]
    if answer != "false":
        logger.warning("the spam service answered %r", answer[:100])
    return []


@cache
def _checkers(paths: tuple[str, ...]):
    return [import_string(path) for path in paths]


def check(submission: Submission) -> list[str]:
    """Every configured check's reasons to hold *submission*."""
    reasons = []
    for checker in _checkers(tuple(settings.MODERATION_SPAM_CHECKERS)):
        reasons.extend(checker(submission))
    return reasons
