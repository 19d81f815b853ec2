"""Load a Stack Exchange data dump into one product (``manage.py import_stackexchange``).

A dump is a folder of XML files (``Posts.xml``, ``Comments.xml``, ``Users.xml``,
``Votes.xml``, ``PostLinks.xml``...; each a UTF-8 BOM, ``<?xml ...?>`` and one ``<row>``
per record with every field as an attribute). Questions become threads, answers answer
posts, comments comments, all published, in a ``CategoryPage`` named by the operator
(made under the product index when no product of that slug or title exists). A product
that already holds threads is refused (``ImportRefusedError``), so importing twice never
duplicates anything.

Everything is read and converted first, then written in one transaction with
``bulk_create`` (the services would take one transaction per row). That path leaves every
stored counter and derived field exactly as ``forum.services`` would have, given the rows:
``answer_count``, ``first_answer_at``, ``comment_count``, ``others_comment_count``, the
excerpt, the slug, ``version`` (one more per comment), ``last_activity_at`` and the
accepted answer. No events are emitted: caches are dropped after the commit, and
``_after_import`` indexes the imported threads for search.

Decisions the dump forces:

- **Votes are not imported, and scores start at 0.** Public dumps carry no voter on up
  and down votes. Here ``Post.score`` is, by invariant, the sum of the ``Vote`` rows
  members cast (``cast_vote`` moves it by each vote's change, moderators' merges and
  splits recount it from the rows, and a question's score is its thread's ``vote_count``
  of "I have this problem too" votes, which have no down votes). Storing Stack
  Exchange's score without rows would break all of that at the first vote on an
  imported post, and inventing voters would be a lie. So imported posts have no votes;
  the report counts the up and down votes left behind.
- **Reputation comes only from accepted answers.** Stack Exchange says who accepted (only
  the asker can), so each accepted answer writes the ledger entries ``accept_answer``
  would (the forum's own point rules: the answerer's accepted-answer points and the
  asker's accept-given points, none for a self-answer), dated when it was accepted. Each
  member's stored ``reputation`` is the sum of their ledger and their ``trust_level`` is
  worked out from it, so ``rebuild_reputation --check`` passes. Stack Exchange
  reputation and badges are not carried over: they were earned under other rules.
- **Accepted times** come from the "accepted by originator" rows of ``Votes.xml``, which
  hold only the day: the accept is placed at that day's start, or at the answer's own
  time when the answer was posted later that day. A thread without such a row (none in
  the real dumps) takes the answer's time.
- **Last activity** is what the services count (the latest published post, comment or
  accept), not Stack Exchange's ``LastActivityDate``: that one also moves on edits and
  on the site's own bumps, which the forum never counts as activity.
- **Duplicates** (``PostLinks.xml`` ``LinkTypeId=3``, both threads imported) are closed
  and locked the way ``moderation.services.close_as_duplicate`` leaves them, without a
  moderator (unknown) or the "I have this problem too" votes it moves (there are
  none). A thread linked to several originals points to the first link's; an original
  that is itself a duplicate is followed to its own original, as moderators are asked
  to. The close time is the question's ``ClosedDate`` (or the link's time), moved to the
  thread's last activity when Stack Exchange shows comments after the close: nothing
  happens in a locked thread here.
- **People.** Every author of an imported post or comment gets an account: a customer
  with an unusable password and no email address, ``date_joined`` from ``Users.xml``,
  the display name as given (cleaned of invisible characters; dropped when it contains a
  word kept for the company or imitates staff, which customers' names may not) and a
  username derived from it under ``accounts.names``' rules (``user<Id>`` when the name
  cannot be one, a ``_2``, ``_3``... suffix when it looks like a name already taken).
  Posts and comments whose owner is missing (no ``OwnerUserId``, or a user no longer in
  ``Users.xml``) belong to one inactive account, ``se-deleted-user``, shared by every
  import: it has no profile page and nobody can log in as it.
- **Text.** Bodies are HTML: ``markdownify`` turns them into Markdown (escaping whatever
  Markdown would read as markup), and ``forum.rendering`` renders and sanitises that,
  as for any post. A question or answer whose text is empty after that is skipped (the
  thread's answers and comments with it) and counted. Comments are Stack Exchange's
  mini-Markdown already: only what CommonMark would take for HTML or an entity is
  escaped. Tags follow the forum's rules (normalised, at most ``TAG_MAX_LENGTH``
  characters of letters, digits and ``- . + #``, at most ``MAX_TAGS``); a tag that breaks
  them is dropped and counted. Edit history is not in the dumps (no ``PostHistory.xml``),
  so imported posts show as unedited.
"""

import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.text import slugify
from markdownify import MarkdownConverter
from tqdm import tqdm

from accounts import names
from accounts.models import User
from accounts.roles import Role, role_group
from forum import caching, rendering
from forum import services as forum_services
from forum.forms import TAG_PATTERN
from forum.models import (
    MAX_TAGS,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    CategoryIndexPage,
    CategoryPage,
    Comment,
    Post,
    Tag,
    Thread,
    Visibility,
    normalize_tag_name,
    tag_slug_base,
)
from reputation import services as reputation
from reputation.models import Cause, LedgerEntry, Reason
from search import api as search_api
from solutions import services as library

DELETED_USERNAME = "se-deleted-user"
DELETED_DISPLAY_NAME = "Deleted user"
DUPLICATE_REASON = "Closed as a duplicate on Stack Exchange, before the import."
BATCH_SIZE = 500
USERNAME_BASE_MAX_LENGTH = 30
DISPLAY_NAME_MAX_LENGTH = User._meta.get_field("display_name").max_length
# Django's username validator (UnicodeUsernameValidator) allows these characters.
_USERNAME_DROP = re.compile(r"[^\w.@+-]")
_USERNAME_EDGES = "._@+-"

QUESTION, ANSWER = "1", "2"
VOTE_ACCEPTED, VOTE_UP, VOTE_DOWN = "1", "2", "3"
LINK_DUPLICATE = "3"


class ImportRefusedError(Exception):
    """The import cannot start (a product that already holds threads, no dump there)."""


@dataclass
class ImportReport:
    """What one import did, counted."""

    product_id: int | None = None
    product_title: str = ""
    product_slug: str = ""
    product_created: bool = False
    threads: int = 0
    answers: int = 0
    comments: int = 0
    accepted_answers: int = 0
    duplicates_linked: int = 0
    members_created: int = 0
    tags_created: int = 0
    # Posts and comments whose owner was missing, given to the deleted-user account.
    deleted_user_items: int = 0
    # Accounts whose display name could not give the username (``user<Id>`` instead).
    fallback_usernames: int = 0
    display_names_dropped: int = 0
    skipped_empty_questions: int = 0
    skipped_empty_answers: int = 0
    # Answers and comments under a skipped question or answer (not counted above).
    skipped_with_their_post: int = 0
    # Answers whose question is not in the dump (deleted on Stack Exchange).
    skipped_answers_without_question: int = 0
    # Posts of other types (tag wikis, excerpts...) and the comments on them.
    skipped_other_posts: int = 0
    skipped_comments_on_other_posts: int = 0
    skipped_empty_comments: int = 0
    tags_dropped: int = 0
    # Duplicate links whose two threads were imported, and those not used for one.
    duplicate_links: int = 0
    duplicate_links_ignored: int = 0
    # Up and down votes on imported posts, left behind (see the module docstring).
    votes_not_imported: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The counts (and time) as "what: how many" lines, for the command's summary."""
        return [
            f"{name.replace('_', ' ')}: {value}"
            for name, value in vars(self).items()
            if not name.startswith("product_")
        ]


# --- Reading the dump --------------------------------------------------------------------


def _rows(path: Path, bar: tqdm) -> Iterator[dict[str, str]]:
    """Each ``<row>``'s attributes, read incrementally. Nothing when the file is missing.

    ElementTree resolves no external entities, and the expat it uses (2.4.1 and later)
    refuses entity expansion bombs; the file is the operator's own dump.
    """
    if not path.exists():
        return
    bar.set_description(f"Reading {path.name}")
    for _event, element in ET.iterparse(path, events=("end",)):  # noqa: S314 (see above)
        if element.tag == "row":
            yield dict(element.attrib)
            bar.update()
        element.clear()


def _when(value: str) -> datetime:
    """A dump time (UTC, no zone: ``2018-03-12T17:00:45.567``) as an aware datetime."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _tag_names(raw: str) -> list[str]:
    """``<quantum-gate><qiskit>`` as ["quantum-gate", "qiskit"]."""
    return [name for name in re.split(r"[<>]+", raw or "") if name]


@dataclass
class _Comment:
    se_id: int
    owner: int | None
    created_at: datetime
    markdown: str = ""
    html: str = ""


@dataclass
class _Post:
    se_id: int
    kind: str
    owner: int | None
    created_at: datetime
    body: str  # HTML, until converted
    title: str = ""
    tags: list[str] = field(default_factory=list)
    accepted_se_id: int | None = None
    closed_at: datetime | None = None
    markdown: str = ""
    html: str = ""
    comments: list[_Comment] = field(default_factory=list)
    answers: list["_Post"] = field(default_factory=list)  # a question's, oldest first
    row: Post | None = None
    thread: Thread | None = None


@dataclass
class _Dump:
    questions: list[_Post]
    users: dict[int, dict[str, str]]
    accepted_on: dict[int, datetime]  # answer id -> day it was accepted
    # (duplicate, original, when linked), in the links' order.
    duplicate_links: list[tuple[int, int, datetime]]
    votes: Counter  # post id -> up and down votes


def _read(folder: Path, limit: int | None, report: ImportReport, progress: bool, out) -> _Dump:
    """The questions in scope (the first *limit*, or all) with their answers and comments."""
    if not (folder / "Posts.xml").exists():
        raise ImportRefusedError(f"{folder} holds no Posts.xml: it is not a Stack Exchange dump.")
    bar = tqdm(unit=" rows", disable=not progress, file=out, leave=True)
    questions: dict[int, _Post] = {}
    answers: list[tuple[int, _Post]] = []
    other_posts: set[int] = set()
    all_questions: set[int] = set()  # beyond the limit too
    for row in _rows(folder / "Posts.xml", bar):
        post_id = int(row["Id"])
        kind = row.get("PostTypeId")
        if kind not in (QUESTION, ANSWER):
            other_posts.add(post_id)
            continue
        post = _Post(
            se_id=post_id,
            kind=kind,
            owner=int(row["OwnerUserId"]) if row.get("OwnerUserId") else None,
            created_at=_when(row["CreationDate"]),
            body=row.get("Body", ""),
        )
        if kind == QUESTION:
            all_questions.add(post_id)
            if limit is not None and len(questions) >= limit:
                continue
            post.title = row.get("Title", "")
            post.tags = _tag_names(row.get("Tags", ""))
            if row.get("AcceptedAnswerId"):
                post.accepted_se_id = int(row["AcceptedAnswerId"])
            if row.get("ClosedDate"):
                post.closed_at = _when(row["ClosedDate"])
            questions[post_id] = post
        else:
            answers.append((int(row.get("ParentId") or 0), post))
    report.skipped_other_posts = len(other_posts)
    posts: dict[int, _Post] = dict(questions)
    for parent_id, answer in answers:
        if parent_id in questions:
            questions[parent_id].answers.append(answer)
            posts[answer.se_id] = answer
        elif parent_id not in all_questions:
            report.skipped_answers_without_question += 1
    for question in questions.values():
        question.answers.sort(key=lambda a: (a.created_at, a.se_id))

    for row in _rows(folder / "Comments.xml", bar):
        post_id = int(row["PostId"])
        if post_id in other_posts:
            report.skipped_comments_on_other_posts += 1
        elif post_id in posts:
            posts[post_id].comments.append(
                _Comment(
                    se_id=int(row["Id"]),
                    owner=int(row["UserId"]) if row.get("UserId") else None,
                    created_at=_when(row["CreationDate"]),
                    markdown=row.get("Text", ""),
                )
            )
    for post in posts.values():
        post.comments.sort(key=lambda c: (c.created_at, c.se_id))

    accepted_on: dict[int, datetime] = {}
    votes: Counter = Counter()
    for row in _rows(folder / "Votes.xml", bar):
        post_id = int(row["PostId"])
        if post_id not in posts:
            continue
        kind = row.get("VoteTypeId")
        if kind == VOTE_ACCEPTED:
            accepted_on[post_id] = _when(row["CreationDate"])
        elif kind in (VOTE_UP, VOTE_DOWN):
            votes[post_id] += 1

    links = [
        (int(row["Id"]), int(row["PostId"]), int(row["RelatedPostId"]), row["CreationDate"])
        for row in _rows(folder / "PostLinks.xml", bar)
        if row.get("LinkTypeId") == LINK_DUPLICATE
    ]
    duplicate_links = [
        (duplicate, original, _when(when))
        for _id, duplicate, original, when in sorted(links)
        if duplicate in questions and original in questions
    ]

    wanted = {
        owner
        for post in posts.values()
        for owner in (post.owner, *(c.owner for c in post.comments))
        if owner is not None
    }
    users = {
        int(row["Id"]): row for row in _rows(folder / "Users.xml", bar) if int(row["Id"]) in wanted
    }
    bar.close()
    return _Dump(list(questions.values()), users, accepted_on, duplicate_links, votes)


# --- Converting the text ---------------------------------------------------------------


class _Converter(MarkdownConverter):
    """Stack Exchange HTML to the forum's Markdown: ATX headings, "-" bullets, fenced code
    with the language Stack Exchange named (``lang-py``), sub- and superscripts as the
    HTML the forum allows, and every character Markdown could read as markup escaped."""

    class Options(MarkdownConverter.DefaultOptions):
        heading_style = "atx"
        bullets = "-"
        escape_misc = True
        sub_symbol = "<sub>"
        sup_symbol = "<sup>"
        code_language_callback = staticmethod(
            lambda element: next(
                (
                    name.removeprefix("lang-")
                    for name in element.get("class") or ()
                    if name.startswith("lang-") and name not in ("lang-none", "lang-default")
                ),
                None,
            )
        )

    def convert_a(self, el, text, parent_tags):
        if el.get("href"):
            el["href"] = _link_destination(el["href"])
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):
        if el.get("src"):
            el["src"] = _link_destination(el["src"])
        el["alt"] = re.sub(r"([\\\[\]])", r"\\\1", el.get("alt") or "")
        return super().convert_img(el, text, parent_tags)


def _link_destination(url: str) -> str:
    """*url* as a Markdown link destination: markdownify writes it as it is, so spaces,
    angle brackets and unbalanced parentheses (which would end it early) are encoded."""
    url = re.sub(r"\s", "%20", url.strip()).replace("<", "%3C").replace(">", "%3E")
    if url.count("(") != url.count(")"):
        url = url.replace("(", "%28").replace(")", "%29")
    return url


_converter = _Converter()


def html_to_markdown(body: str) -> str:
    """A Stack Exchange post body (HTML) as Markdown for ``rendering.render_post``."""
    return _converter.convert(body).strip()


# CommonMark reads "<" before a letter, "/", "!" or "?" as HTML, and "&name;" as an entity;
# Stack Exchange shows both as typed. Code spans are left as they are.
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_MARKUP_IN_COMMENT = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)")


def comment_markdown(text: str) -> str:
    """A Stack Exchange comment (mini-Markdown) as Markdown for ``render_comment``."""
    parts, position = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(_MARKUP_IN_COMMENT.sub(r"\\\g<0>", text[position : span.start()]))
        parts.append(span.group())
        position = span.end()
    parts.append(_MARKUP_IN_COMMENT.sub(r"\\\g<0>", text[position:]))
    return "".join(parts).strip()


def _is_empty(html: str) -> bool:
    return not rendering.plain_text(html) and not rendering.has_links(html)


def _convert(dump: _Dump, report: ImportReport, progress: bool, out) -> list[_Post]:
    """Render every post and comment; the questions kept (empty ones are skipped)."""
    total = sum(1 + len(q.answers) for q in dump.questions)
    kept = []
    with tqdm(
        total=total, desc="Converting posts", unit=" posts", disable=not progress, file=out
    ) as bar:
        for question in dump.questions:
            _render_post(question)
            bar.update()
            answers = []
            for answer in question.answers:
                _render_post(answer)
                bar.update()
                if _is_empty(answer.html):
                    report.skipped_empty_answers += 1
                    report.skipped_with_their_post += len(answer.comments)
                else:
                    answers.append(answer)
            if _is_empty(question.html):
                report.skipped_empty_questions += 1
                report.skipped_with_their_post += len(answers) + len(question.comments)
                report.skipped_with_their_post += sum(len(a.comments) for a in answers)
                continue
            question.answers = answers
            kept.append(question)
    comments = [c for q in kept for p in (q, *q.answers) for c in p.comments]
    with tqdm(
        comments, desc="Converting comments", unit=" comments", disable=not progress, file=out
    ) as bar:
        for comment in bar:
            comment.markdown = comment_markdown(comment.markdown)
            comment.html = rendering.render_comment(comment.markdown)
    for question in kept:
        for post in (question, *question.answers):
            empty = [c for c in post.comments if not c.html]
            report.skipped_empty_comments += len(empty)
            post.comments = [c for c in post.comments if c.html]
    return kept


def _render_post(post: _Post) -> None:
    post.markdown = html_to_markdown(post.body)
    post.html = rendering.render_post(post.markdown)
    post.body = ""


def _clean_tags(raw: Iterable[str], report: ImportReport) -> list[str]:
    """The forum's tag rules (``forum.forms.TagsField``); what breaks them is dropped."""
    kept: list[str] = []
    for name in map(normalize_tag_name, raw):
        if not name or name in kept:  # "Qiskit" and "qiskit" are one tag
            continue
        if len(name) > TAG_MAX_LENGTH or not TAG_PATTERN.match(name) or len(kept) >= MAX_TAGS:
            report.tags_dropped += 1
            continue
        kept.append(name)
    return kept


# --- People ------------------------------------------------------------------------------


def _username_base(display_name: str) -> str:
    """What a username made from *display_name* starts as: Django's characters only."""
    cleaned = names.clean_visible_text(display_name, compatibility=True)
    base = _USERNAME_DROP.sub("", "_".join(cleaned.split()))
    return base[:USERNAME_BASE_MAX_LENGTH].strip(_USERNAME_EDGES)


def _passes_name_rules(name: str) -> bool:
    """``accounts.names``' rules that need no other member: a letter or digit, no word kept
    for the company; and allauth's list of refused names."""
    if not name or name.lower() in {n.lower() for n in settings.ACCOUNT_USERNAME_BLACKLIST}:
        return False
    try:
        names.validate_username(name, check_others=False)
    except ValidationError:
        return False
    return True


class _Names:
    """Usernames that no member has and that look like no member's username, nor like a
    staff member's name (``accounts.names``: equal skeletons mean look-alikes)."""

    def __init__(self, wanted: Iterable[str]) -> None:
        self.staff = {
            names.skeleton(name)
            for pair in User.objects.staff().values_list("username", "display_name")
            for name in pair
            if name
        }
        self.taken = {*self.staff, names.skeleton(DELETED_USERNAME)}
        skeletons = sorted({names.skeleton(name) for name in wanted})
        for start in range(0, len(skeletons), BATCH_SIZE):
            chunk = skeletons[start : start + BATCH_SIZE]
            self.taken.update(
                User.objects.filter(username_skeleton__in=chunk).values_list(
                    "username_skeleton", flat=True
                )
            )

    def claim(self, base: str) -> str:
        """*base*, or the first of ``base_2``, ``base_3``... that is free."""
        candidate, number = base, 1
        while True:
            shape = names.skeleton(candidate)
            # Suffixed names were not looked up in advance: each is asked once (rare).
            if shape not in self.taken and (
                number == 1 or not User.objects.filter(username_skeleton=shape).exists()
            ):
                self.taken.add(shape)
                return candidate
            self.taken.add(shape)
            number += 1
            candidate = f"{base}_{number}"


def _display_name(raw: str, staff: set[str], report: ImportReport) -> str:
    """The display name as given, unless a customer's name could not say that."""
    cleaned = names.clean_visible_text(raw)[:DISPLAY_NAME_MAX_LENGTH].strip()
    if not cleaned:
        return ""
    if not names.has_visible_text(cleaned) or names.skeleton(cleaned) in staff:
        report.display_names_dropped += 1
        return ""
    if names.find_protected_word(cleaned) is not None:
        report.display_names_dropped += 1
        return ""
    return cleaned


# --- Writing -----------------------------------------------------------------------------


def _create_with_times(model, rows: list, times: list[datetime]) -> None:
    """``bulk_create`` *rows*, then give each its ``created_at`` from *times*.

    ``auto_now_add`` stamps "now" on every row on the way in (and on the objects), so
    the dump's times are written by an update after it, in the same transaction.
    """
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    for row, when in zip(rows, times, strict=True):
        row.created_at = when
    model.objects.bulk_update(rows, ["created_at"], batch_size=BATCH_SIZE)


def find_product(title: str, slug: str) -> CategoryPage | None:
    """The product with *slug*, or else titled *title*."""
    return (
        CategoryPage.objects.filter(slug=slug).first()
        or CategoryPage.objects.filter(title=title).first()
    )


def _refuse_if_used(product: CategoryPage | None) -> None:
    if product is None:
        return
    count = Thread.objects.filter(category=product).count()
    if count:
        raise ImportRefusedError(
            f'The product "{product.title}" (slug "{product.slug}") already holds {count} '
            "threads, and an import never adds to a product that has threads (it would "
            "duplicate them). Import into another product: give a new name with --product "
            '"..." (and --slug ... if its slug would be taken).'
        )


class _Writer:
    """Writes a converted dump in one transaction, counters included."""

    def __init__(self, dump: _Dump, questions: list[_Post], report: ImportReport):
        self.dump = dump
        self.questions = questions
        self.report = report

    def write(self, product_title: str, product_slug: str, progress: bool, out) -> None:
        steps = [
            ("product", lambda: self._product(product_title, product_slug)),
            ("members", self._members),
            ("tags", self._tags),
            ("threads", self._threads),
            ("posts", self._posts),
            ("comments", self._comments),
            ("solutions and duplicates", self._links),
            ("reputation", self._reputation),
        ]
        with tqdm(total=len(steps), unit=" steps", disable=not progress, file=out) as bar:
            for name, step in steps:
                bar.set_description(f"Writing {name}")
                step()
                bar.update()

    # -- product --

    def _product(self, title: str, slug: str) -> None:
        product = find_product(title, slug)
        _refuse_if_used(product)
        if product is None:
            product = CategoryPage(
                title=title, slug=slug, description=f"Questions and answers about {title}."
            )
            index = CategoryIndexPage.objects.first()
            if index is None:
                raise ImportRefusedError(
                    "There is no product index page (CategoryIndexPage) to add the product "
                    "to: run manage.py migrate first."
                )
            index.add_child(instance=product)
            self.report.product_created = True
        self.product = product
        self.report.product_id = product.pk
        self.report.product_title, self.report.product_slug = product.title, product.slug

    # -- members --

    def _members(self) -> None:
        posts = [p for q in self.questions for p in (q, *q.answers)]
        owners = [p.owner for p in posts] + [c.owner for p in posts for c in p.comments]
        known = {owner for owner in owners if owner in self.dump.users}
        self.report.deleted_user_items = sum(owner not in known for owner in owners)
        self.members: dict[int | None, int] = {}
        if self.report.deleted_user_items:
            self.members[None] = self._deleted_user().pk

        rows = [self.dump.users[se_id] for se_id in sorted(known)]
        bases = {}
        for row in rows:
            base = _username_base(row.get("DisplayName", ""))
            if not _passes_name_rules(base):
                base = f"user{row['Id']}"
                self.report.fallback_usernames += 1
            bases[int(row["Id"])] = base
        claimed = _Names(bases.values())
        credits = self._credits()
        self.points = {se_id: sum(p for _, p in items) for se_id, items in credits.items()}
        levels = {}
        for se_id, items in credits.items():
            accepted = sum(reason == Reason.ANSWER_ACCEPTED for reason, _ in items)
            levels[se_id] = reputation.level_for(self.points[se_id], accepted, 0)
        # Made with the reputation their ledger entries (``_reputation``) add up to.
        new = [
            User(
                username=claimed.claim(bases[int(row["Id"])]),
                display_name=_display_name(row.get("DisplayName", ""), claimed.staff, self.report),
                password=make_password(None),
                date_joined=_when(row["CreationDate"]),
                reputation=self.points.get(int(row["Id"]), 0),
                trust_level=levels.get(int(row["Id"]), 0),
            )
            for row in rows
        ]
        User.objects.bulk_create(new, batch_size=BATCH_SIZE)
        customers = role_group(Role.CUSTOMER)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=customers.pk) for u in new],
            batch_size=BATCH_SIZE,
        )
        self.members.update({int(row["Id"]): u.pk for row, u in zip(rows, new, strict=True)})
        self.report.members_created += len(new)

    def _deleted_user(self) -> User:
        user = User.objects.filter(username=DELETED_USERNAME).first()
        if user is None:
            user = User.objects.create(
                username=DELETED_USERNAME,
                display_name=DELETED_DISPLAY_NAME,
                password=make_password(None),
                is_active=False,
            )
            user.groups.add(role_group(Role.CUSTOMER))
            self.report.members_created += 1
        return user

    def _member(self, se_id: int | None) -> int:
        return self.members.get(se_id, self.members.get(None))

    def _owner_key(self, se_id: int | None) -> int | None:
        """The key of the member who owns a post: None for the deleted-user account."""
        return se_id if se_id in self.dump.users else None

    # -- accepted answers and what they earn --

    def _accepted(self, question: _Post) -> _Post | None:
        if question.accepted_se_id is None:
            return None
        return next((a for a in question.answers if a.se_id == question.accepted_se_id), None)

    def _credits(self) -> dict[int | None, list[tuple[str, int]]]:
        """The points accepting each solution gives, by owner key (``answer_accepted``)."""
        rules = reputation.rule_points()
        credits: dict[int | None, list[tuple[str, int]]] = defaultdict(list)
        self.ledger_plan: list[tuple[_Post, _Post, int | None, str]] = []
        for question in self.questions:
            answer = self._accepted(question)
            if answer is None:
                continue
            asker, answerer = self._owner_key(question.owner), self._owner_key(answer.owner)
            if asker == answerer:
                continue  # a self-answer earns nothing (``answer_accepted``)
            for member, reason in (
                (answerer, Reason.ANSWER_ACCEPTED),
                (asker, Reason.ACCEPT_GIVEN),
            ):
                credits[member].append((reason, rules.get(reason, 0)))
                self.ledger_plan.append((question, answer, member, reason))
        self.rules = rules
        return credits

    # -- tags --

    def _tags(self) -> None:
        for question in self.questions:
            question.tags = _clean_tags(question.tags, self.report)
        wanted = sorted({name for q in self.questions for name in q.tags})
        self.tag_ids: dict[str, int] = {}
        for start in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[start : start + BATCH_SIZE]
            self.tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
        missing = [name for name in wanted if name not in self.tag_ids]
        bases = {name: tag_slug_base(name) for name in missing}
        taken = set(Tag.objects.filter(slug__in=set(bases.values())).values_list("slug", flat=True))
        new = []
        for name in missing:
            base = bases[name]
            slug = base
            if slug in taken:  # the first free "-2", "-3"... (``forum.services._tag_named``)
                similar = Tag.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
                taken.update(similar.values_list("slug", flat=True))
                number = 2
                while f"{base}-{number}" in taken:
                    number += 1
                slug = f"{base}-{number}"
            taken.add(slug)
            new.append(Tag(name=name, slug=slug))
        Tag.objects.bulk_create(new, batch_size=BATCH_SIZE)
        self.tag_ids.update({tag.name: tag.pk for tag in new})
        self.report.tags_created = len(new)

    # -- threads, posts, comments --

    def _accepted_at(self, answer: _Post) -> datetime:
        day = self.dump.accepted_on.get(answer.se_id)
        return max(day, answer.created_at) if day is not None else answer.created_at

    def _threads(self) -> None:
        rows = []
        for question in self.questions:
            author_id = self._member(question.owner)
            answers = question.answers
            accepted = self._accepted(question)
            # What the services count as activity: published posts, comments, the accept.
            activity = [question.created_at, *(a.created_at for a in answers)]
            activity += [c.created_at for p in (question, *answers) for c in p.comments]
            accepted_at = self._accepted_at(accepted) if accepted else None
            if accepted_at is not None:
                activity.append(accepted_at)
            title = " ".join(question.title.split())[:TITLE_MAX_LENGTH]
            question.thread = Thread(
                category=self.product,
                author_id=author_id,
                title=title,
                slug=forum_services.thread_slug(title),
                excerpt=rendering.excerpt(question.html),
                state=Visibility.PUBLISHED,
                answer_count=len(answers),
                others_comment_count=sum(
                    self._member(c.owner) != author_id for c in question.comments
                ),
                vote_count=0,
                first_answer_at=answers[0].created_at if answers else None,
                staff_answered_at=None,  # imported members are customers
                accepted_at=accepted_at,
                accepted_by_id=author_id if accepted else None,
                last_activity_at=max(activity),
            )
            rows.append(question.thread)
        _create_with_times(Thread, rows, [q.created_at for q in self.questions])
        Thread.tags.through.objects.bulk_create(
            [
                Thread.tags.through(thread_id=q.thread.pk, tag_id=self.tag_ids[name])
                for q in self.questions
                for name in q.tags
            ],
            batch_size=BATCH_SIZE,
        )
        self.report.threads = len(rows)

    def _posts(self) -> None:
        posts = []
        for question in self.questions:
            for post in (question, *question.answers):
                post.row = Post(
                    thread=question.thread,
                    kind=Post.Kind.QUESTION if post is question else Post.Kind.ANSWER,
                    author_id=self._member(post.owner),
                    body_markdown=post.markdown,
                    body_html=post.html,
                    comment_count=len(post.comments),
                    # ``post_comment`` bumps it once per comment: it keys the cached block.
                    version=1 + len(post.comments),
                    state=Visibility.PUBLISHED,
                )
                posts.append(post)
                self.report.votes_not_imported += self.dump.votes.get(post.se_id, 0)
        _create_with_times(Post, [p.row for p in posts], [p.created_at for p in posts])
        self.report.answers = len(posts) - len(self.questions)

    def _comments(self) -> None:
        rows, times = [], []
        for question in self.questions:
            for post in (question, *question.answers):
                for comment in post.comments:
                    rows.append(
                        Comment(
                            post=post.row,
                            author_id=self._member(comment.owner),
                            body_markdown=comment.markdown,
                            body_html=comment.html,
                            state=Visibility.PUBLISHED,
                        )
                    )
                    times.append(comment.created_at)
        _create_with_times(Comment, rows, times)
        self.report.comments = len(rows)

    # -- solutions and duplicates --

    def _links(self) -> None:
        for question in self.questions:
            accepted = self._accepted(question)
            if accepted is not None:
                question.thread.accepted_answer = accepted.row
                self.report.accepted_answers += 1
        threads = {q.se_id: q for q in self.questions}
        for duplicate, (original, linked) in self._duplicates(threads).items():
            thread = threads[duplicate].thread
            # Nothing happens in a locked thread here: a close before the thread's last
            # activity (comments made after it on Stack Exchange) moves to that activity.
            closed = threads[duplicate].closed_at or linked
            thread.duplicate_of = threads[original].thread
            thread.closed_at = thread.locked_at = max(closed, thread.last_activity_at)
            thread.close_reason = thread.lock_reason = DUPLICATE_REASON
            thread.is_locked = True
            self.report.duplicates_linked += 1
        Thread.objects.bulk_update(
            [q.thread for q in self.questions],
            [
                "accepted_answer",
                "duplicate_of",
                "closed_at",
                "close_reason",
                "is_locked",
                "locked_at",
                "lock_reason",
            ],
            batch_size=BATCH_SIZE,
        )

    def _duplicates(self, threads: dict[int, _Post]) -> dict[int, tuple[int, datetime]]:
        """Each duplicate's original and when it was linked, both imported: the first link
        of a duplicate linked to several, an original that is itself a duplicate followed
        to its own original."""
        originals: dict[int, int] = {}
        linked: dict[int, datetime] = {}
        for duplicate, original, when in self.dump.duplicate_links:
            if duplicate not in threads or original not in threads:
                continue
            self.report.duplicate_links += 1
            if duplicate in originals or duplicate == original:
                self.report.duplicate_links_ignored += 1
                continue
            originals[duplicate], linked[duplicate] = original, when
        closed = {}
        for duplicate, original in originals.items():
            seen = {duplicate}
            while original in originals and original not in seen:
                seen.add(original)
                original = originals[original]
            if original in seen:  # a circle of duplicates: none of them is the original
                self.report.duplicate_links_ignored += 1
                continue
            closed[duplicate] = (original, linked[duplicate])
        return closed

    # -- reputation --

    def _reputation(self) -> None:
        """The ledger entries ``answer_accepted`` writes, dated when each was accepted."""
        entries = [
            LedgerEntry(
                member_id=self._member(member),
                points=self.rules.get(reason, 0),
                rule_points=self.rules.get(reason, 0),
                reason=reason,
                cause=Cause.ANSWER_ACCEPTED,
                actor_id=question.thread.accepted_by_id,
                post_id=answer.row.pk,
                thread_id=question.thread.pk,
                product_id=self.product.pk,
                created_at=question.thread.accepted_at,
            )
            for question, answer, member, reason in self.ledger_plan
        ]
        LedgerEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
        # New members were made with their sums; the shared deleted-user account adds to its.
        deleted_points = self.points.get(None, 0)
        if None in self.members and deleted_points:
            pk = self.members[None]
            User.objects.filter(pk=pk).update(reputation=F("reputation") + deleted_points)
            member = User.objects.get(pk=pk)
            accepted = reputation.accepted_answer_counts([pk]).get(pk, 0)
            level = reputation.level_for(member.reputation, accepted, member.days_visited)
            User.objects.filter(pk=pk).update(trust_level=level)


# --- Entry point -------------------------------------------------------------------------


def import_dump(
    path: str | Path,
    *,
    product_title: str,
    product_slug: str | None = None,
    limit: int | None = None,
    progress: bool = True,
    progress_file: IO[str] | None = None,
) -> ImportReport:
    """Import the Stack Exchange dump in the folder *path* into the product *product_title*.

    The product is found by *product_slug* (default: the title slugified), or else by its
    title, and made under the product index when there is none. *limit* imports only the
    first N questions (with their answers and comments). Raises ``ImportRefusedError`` when the
    product already holds threads or *path* holds no dump; writes nothing then.
    """
    started = time.monotonic()
    folder = Path(path)
    title = " ".join(product_title.split())
    slug = product_slug or slugify(title)
    if not title or not slug:
        raise ImportRefusedError("The product needs a name (and a slug made of letters or digits).")
    if limit is not None and limit < 1:
        raise ImportRefusedError("--limit must be at least 1.")
    _refuse_if_used(find_product(title, slug))  # before the slow part; checked again below
    out = progress_file or sys.stderr
    report = ImportReport()
    dump = _read(folder, limit, report, progress, out)
    questions = _convert(dump, report, progress, out)
    with transaction.atomic():
        _Writer(dump, questions, report).write(title, slug, progress, out)
    caching.drop_everything()  # no forum events were sent for these rows
    report.seconds = round(time.monotonic() - started, 2)
    _after_import(report)
    return report


def _after_import(report: ImportReport) -> None:
    """Runs once the import is committed: the solved threads join the solution library
    and the product's threads are indexed for search (no forum events were sent for them,
    so nothing else would)."""
    threads = Thread.objects.filter(category_id=report.product_id)
    for thread_id in threads.filter(accepted_answer__isnull=False).values_list("pk", flat=True):
        library.sync_solution(thread_id)
    thread_ids = list(threads.values_list("pk", flat=True))
    for start in range(0, len(thread_ids), 500):
        search_api.index(thread_ids[start : start + 500])
