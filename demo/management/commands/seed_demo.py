"""Load the demo community: accounts, products, home page and realistic threads.

``manage.py seed_demo`` is idempotent: what already exists (found by the demo usernames,
product slugs and thread titles) is left alone, so running it twice changes nothing.
Every demo thread is made through ``forum.services``, like a person would make it, and
then moved back in time (only timestamps are rewritten, consistently).

``manage.py seed_demo --threads N`` also makes sure there are N synthetic threads for
benchmarks, written by ``synth_*`` users straight into the tables with ``bulk_create``
(services would take hours). That path sets every stored counter and denormalised field
to exactly what the services would have left behind; ``tests/forum/test_seed_demo.py``
recounts them.
"""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from accounts.roles import Role
from core.database import refresh_statistics
from demo import content
from forum import caching, permissions, rendering, screening, services
from forum.models import (
    CategoryIndexPage,
    CategoryPage,
    Comment,
    HomePage,
    Post,
    PostRevision,
    Tag,
    Thread,
    Visibility,
    Vote,
)
from moderation import services as moderation
from moderation.models import (
    BlockedDomain,
    CannedReply,
    FlagReason,
    ReviewItem,
    ScreeningRule,
)
from reputation import badges, gaming
from reputation import services as reputation
from reputation.models import Cause, GamingCase, LedgerEntry
from search import api as search_api
from search import services as search_services
from search.models import SearchDocument, Synonym
from solutions import services as library
from solutions.models import Solution

HOUR = timedelta(hours=1)
# Nothing is seeded closer to "now" than this, so it never looks like it is from the future.
NEWEST = timedelta(minutes=5)


class Command(BaseCommand):
    help = (
        "Load the demo accounts, products and threads (idempotent). With --threads N, also "
        "make sure N synthetic threads exist for benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--threads",
            type=int,
            default=0,
            metavar="N",
            help="Total number of synthetic benchmark threads wanted (adds only the missing).",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=500,
            help="Synthetic threads written per transaction (default 500).",
        )
        parser.add_argument(
            "--seed", type=int, default=2024, help="Random seed for synthetic content."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (benchmarks, throwaway test sites only).",
        )

    def handle(
        self, *args, threads: int, batch: int, seed: int, force: bool = False, **options
    ) -> None:
        if not settings.DEBUG and not force:
            # The demo accounts have published passwords, and one of them is an admin.
            raise CommandError(
                "seed_demo creates accounts whose passwords are published in the README, "
                "an administrator among them: it never runs on a real site. DEBUG is off "
                "here; if this database is a throwaway one, run it again with --force."
            )
        if threads < 0 or batch < 1:
            raise CommandError("--threads must be >= 0 and --batch >= 1")
        started = time.monotonic()
        now = timezone.now()
        users, new_accounts = seed_accounts(now)
        products, new_products = seed_products()
        home_updated = seed_home_page(products)
        new_threads = 0
        # The demo's months of history are played in a minute: no daily cap on its votes,
        # and no rate limits or screening (its examples of held posts are screened below).
        with override_settings(REPUTATION_DAILY_VOTE_CAP=0):
            with screening.bypass():
                seed_reputation_history(users, now)
                for spec in content.THREADS:
                    if DemoThreadSeeder(spec, users, products, now).run():
                        new_threads += 1
            examples = seed_visibility_examples(users, products)
            with screening.bypass():
                seed_reputation(users, now)
            examples = seed_moderation_examples(users, products) or examples
            examples = seed_library_examples(users, products) or examples
        self.stdout.write(
            f"Demo content: {new_accounts} new accounts, {new_products} new products, "
            f"{new_threads} new threads{', home page updated' if home_updated else ''}"
            f"{', moderation examples' if examples else ''}."
        )
        if threads:
            SyntheticSeeder(products, self.stdout, seed=seed, batch=batch).run(threads)
        refresh_statistics()  # a bulk load changes what the query planner should pick
        if new_threads or threads or not SearchDocument.objects.exists():
            # Bulk-loaded threads announce nothing: index what the demo holds in one go.
            indexed = search_api.rebuild()
            self.stdout.write(f"Search index: {indexed:,} threads and articles.")
        self._summary(time.monotonic() - started)

    def _summary(self, seconds: float) -> None:
        anonymous = AnonymousUser()
        visible = permissions.visible_threads(anonymous, Thread.objects.all())
        counts = {
            "products": CategoryPage.objects.count(),
            "threads": visible.count(),
            "solved": visible.solved().count(),
            "unanswered": visible.unanswered().count(),
            "answers": permissions.visible_posts(anonymous, Post.objects.answers()).count(),
            "comments": permissions.visible_comments(anonymous, Comment.objects.all()).count(),
            "votes": Vote.objects.count(),
        }
        self.stdout.write("")
        self.stdout.write(", ".join(f"{value:,} {name}" for name, value in counts.items()))
        self.stdout.write(f"(seeded in {seconds:.1f} s)")
        self.stdout.write("")
        self.stdout.write("Demo accounts (email addresses are verified, so they can log in):")
        rows = [("username", "role", "password", "email")]
        rows += [(a.username, str(a.role.label), a.password, a.email) for a in content.ACCOUNTS]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for index, row in enumerate(rows):
            self.stdout.write(
                "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))
            )
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        admin = next(a for a in content.ACCOUNTS if a.is_superuser)
        self.stdout.write(f"The Wagtail admin is at /admin/ (log in as {admin.username}).")


# --- Accounts, products, home page -----------------------------------------------------


def seed_visibility_examples(users: dict[str, User], products: dict[str, CategoryPage]) -> bool:
    """Content only some people see: a spam answer hidden by a moderator, and a newcomer's
    question waiting for review. Visitors see neither; the demo brand representatives
    and administrator see both, marked; the asker sees their own question, marked.

    The spam is hidden through ``moderation.services.hide_post`` (its author pays the spam
    rule's points); the question waits for review because screening held it (a newcomer's
    link). Idempotent: does nothing when the examples are there.
    """
    spec = content.VISIBILITY_EXAMPLES
    if Post.objects.filter(body_markdown=spec["spam_body"]).exists():
        return False
    thread = (
        Thread.objects.filter(
            category=products[spec["spam_product"]],
            is_locked=False,
            is_pinned=False,
            state=Visibility.PUBLISHED,
        )
        .order_by("pk")
        .first()
    )
    if thread is None:
        return False
    with screening.bypass():
        spam = services.post_answer(
            thread, author=users[spec["spam_author"]], body=spec["spam_body"]
        )
    moderation.hide_post(
        spam,
        moderator=users[spec["spam_hidden_by"]],
        as_spam=True,
        reason="Advertising, not an answer.",
    )
    pending = services.ask_question(
        author=users[spec["pending_author"]],
        category=products[spec["pending_product"]],
        title=spec["pending_title"],
        body=spec["pending_body"],
        tags=spec["pending_tags"],
    )
    # Hidden an hour after it was posted, inside the thread's past: what visitors see of the
    # thread (its answer count, its last activity) is as before.
    posted = thread.last_activity_at - timedelta(hours=1)
    Post.objects.filter(pk=spam.pk).update(created_at=posted)
    LedgerEntry.objects.filter(post_id=spam.pk).update(created_at=posted + HOUR)
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=thread.last_activity_at)
    asked = timezone.now() - timedelta(hours=2)
    Thread.objects.filter(pk=pending.pk).update(created_at=asked, last_activity_at=asked)
    Post.objects.filter(thread=pending).update(created_at=asked)
    ReviewItem.objects.filter(post__thread=pending).update(created_at=asked)
    caching.drop_everything()
    return True


def seed_moderation_examples(users: dict[str, User], products: dict[str, CategoryPage]) -> bool:
    """Moderation at work (``content.MODERATION_EXAMPLES``), each through its service: a
    duplicate closed into its original, flags in the review queue, a newcomer's answer
    with a link held for review, a warned and a suspended member, canned replies and the
    screening lists. Idempotent: does nothing when the duplicate is there."""
    spec = content.MODERATION_EXAMPLES
    duplicate = spec["duplicate"]
    if Thread.objects.filter(title=duplicate["title"]).exists():
        return False
    for title, body in spec["canned_replies"]:
        CannedReply.objects.get_or_create(title=title, defaults={"body": body})
    for pattern, is_regex, note in spec["screening_rules"]:
        ScreeningRule.objects.get_or_create(
            pattern=pattern, defaults={"is_regex": is_regex, "note": note}
        )
    for domain in spec["blocked_domains"]:
        BlockedDomain.objects.get_or_create(domain=domain)

    with screening.bypass():
        thread = services.ask_question(
            author=users[duplicate["author"]],
            category=products[duplicate["product"]],
            title=duplicate["title"],
            body=duplicate["body"],
            tags=duplicate["tags"],
        )
        question = thread.posts.get(kind=Post.Kind.QUESTION)
        # Asked two days ago, closed today.
        asked = timezone.now() - timedelta(days=2)
        Thread.objects.filter(pk=thread.pk).update(created_at=asked, last_activity_at=asked)
        Post.objects.filter(pk=question.pk).update(created_at=asked)
        for voter in duplicate["me_too"]:
            services.cast_vote(question, voter=users[voter], value=Vote.UP)
    original = Thread.objects.get(title=duplicate["original"])
    moderation.close_as_duplicate(
        thread,
        moderator=users[duplicate["closed_by"]],
        original=original,
        reason=duplicate["reason"],
    )

    reasons = {reason.code: reason for reason in FlagReason.objects.all()}
    for title, flagger, code, text in spec["flags"]:
        post = Post.objects.select_related("thread").get(
            thread__title=title, kind=Post.Kind.QUESTION
        )
        moderation.flag_post(post, flagger=users[flagger], reason=reasons[code], text=text)

    held = spec["held_answer"]
    target = Thread.objects.get(title=held["thread"])
    services.post_answer(target, author=users[held["author"]], body=held["body"])

    member, moderator, message = spec["warned"]
    moderation.warn_member(users[member], moderator=users[moderator], message=message)
    member, moderator, reason, days = spec["suspended"]
    moderation.suspend_member(
        users[member],
        moderator=users[moderator],
        reason=reason,
        until=timezone.now() + timedelta(days=days),
    )
    caching.drop_everything()
    return True


def seed_library_examples(users: dict[str, User], products: dict[str, CategoryPage]) -> bool:
    """Search and the library at work (``content.LIBRARY_EXAMPLES``), each through its
    service: synonyms, solutions verified by the brand team (one past its re-check date),
    a curated article published from a solved thread, feedback, and a few searches that
    found nothing for the content-gap report. Idempotent: nothing when the synonyms exist."""
    spec = content.LIBRARY_EXAMPLES
    if Synonym.objects.exists():
        return False
    for product, terms in spec["synonyms"]:
        Synonym.objects.create(product=products[product] if product else None, terms=terms)
    today = timezone.localdate()
    for title, rep, versions, days in spec["verified"]:
        solution = Solution.objects.filter(thread__title=title).first()
        if solution is None:
            continue
        library.verify_solution(
            solution,
            actor=users[rep],
            versions=versions,
            review_by=today + timedelta(days=days),
        )
    library.mark_outdated(today=today)
    title, rep = spec["article"]
    solution = Solution.objects.filter(thread__title=title).first()
    if solution is not None:
        article = library.promote_to_article(solution, actor=users[rep])
        article.save_revision(user=users[rep]).publish()
    for title, member, helpful, comment in spec["feedback"]:
        solution = Solution.objects.filter(thread__title=title).first()
        if solution is not None:
            library.give_feedback(
                solution=solution, member=users[member], helpful=helpful, comment=comment
            )
    for query, product, results, times in spec["gaps"]:
        for _time in range(times):
            search_services.log_search(
                query,
                results=results,
                product_id=products[product].pk if product else None,
            )
    return True


def seed_reputation_history(users: dict[str, User], now: datetime) -> bool:
    """Before the threads: points carried over from an old forum (the regulars' downvotes in
    the threads need the trust they bring) and the days members visited. Idempotent."""
    if LedgerEntry.objects.filter(note=content.CARRIED_OVER_NOTE).exists():
        return False
    admin = next(users[a.username] for a in content.ACCOUNTS if a.is_superuser)
    for account in content.ACCOUNTS:
        member = users[account.username]
        if account.carried_over:
            entry = reputation.adjust(
                member, points=account.carried_over, actor=admin, note=content.CARRIED_OVER_NOTE
            )
            LedgerEntry.objects.filter(pk=entry.pk).update(created_at=now - timedelta(days=120))
        if account.days_visited:
            User.objects.filter(pk=member.pk).update(
                days_visited=account.days_visited,
                visit_streak=account.streak or 1,
                last_visit_on=timezone.localdate(now),
            )
    reputation.refresh_trust_levels(user.pk for user in users.values())
    for user in users.values():  # privileges are judged on the objects the threads use
        user.refresh_from_db(fields=["reputation", "trust_level", "days_visited"])
    return True


def seed_reputation(users: dict[str, User], now: datetime) -> bool:
    """After the threads: a serial voting case waiting for staff, the badges everything
    earned, and one a brand representative awarded. Idempotent."""
    if GamingCase.objects.filter(kind=GamingCase.Kind.SERIAL_VOTING).exists():
        return False
    _seed_serial_voting(users, now)
    gaming.detect(now=now)
    for member in users.values():
        badges.check_member(member.pk)
    hero, badge, reason = content.HERO
    rep = next(users[a.username] for a in content.ACCOUNTS if a.role == Role.BRAND_REPRESENTATIVE)
    badges.award_badge(users[hero], badge, actor=rep, reason=reason)
    return True


def _seed_serial_voting(users: dict[str, User], now: datetime) -> None:
    """The serial voter upvotes one member's answers, one after another, yesterday."""
    voter = users[content.SERIAL_VOTER]
    answers = (
        Post.objects.answers()
        .filter(author=users[content.SERIAL_VOTED_FOR], state=Visibility.PUBLISHED)
        .filter(thread__state=Visibility.PUBLISHED, thread__is_locked=False)
        .select_related("thread")
        .order_by("pk")[: content.SERIAL_VOTES]
    )
    start = now - timedelta(hours=20)
    for minute, answer in enumerate(answers):
        services.cast_vote(answer, voter=voter, value=Vote.UP)
        when = start + timedelta(minutes=4 * minute)
        Vote.objects.filter(post=answer, voter=voter).update(created_at=when)
        LedgerEntry.objects.filter(post_id=answer.pk, actor=voter).update(created_at=when)


def seed_accounts(now: datetime) -> tuple[dict[str, User], int]:
    """Create the missing demo accounts; return all of them by username and how many are new."""
    created = 0
    hashes: dict[str, str] = {}  # hashing is slow on purpose; demo passwords are shared
    for index, account in enumerate(content.ACCOUNTS):
        with transaction.atomic():
            user = User.objects.filter(username=account.username).first()
            if user is None:
                if account.password not in hashes:
                    hashes[account.password] = make_password(account.password)
                user = User.objects.create(
                    username=account.username,
                    email=account.email,
                    password=hashes[account.password],
                    is_staff=account.is_superuser,
                    is_superuser=account.is_superuser,
                )
                account_services.update_profile(
                    user, display_name=account.display_name, bio=account.bio
                )
                account_services.set_roles(user, roles=[account.role])
                # Seeding history: members joined before the threads they wrote.
                User.objects.filter(pk=user.pk).update(
                    date_joined=now - timedelta(days=400 - 23 * index)
                )
                created += 1
            # Email verification is mandatory: without a verified address there is no login.
            if not EmailAddress.objects.filter(user=user, verified=True).exists():
                EmailAddress.objects.update_or_create(
                    user=user,
                    email=user.email,
                    defaults={"verified": True, "primary": True},
                )
    users = User.objects.filter(username__in=[a.username for a in content.ACCOUNTS])
    return {user.username: user for user in users.prefetch_related("groups")}, created


def seed_products() -> tuple[dict[str, CategoryPage], int]:
    """One CategoryPage per demo product under the product index, created when missing."""
    index = CategoryIndexPage.objects.get()
    products, created = {}, 0
    for product in content.PRODUCTS:
        page = CategoryPage.objects.child_of(index).filter(slug=product.slug).first()
        if page is None:
            page = CategoryPage(
                title=product.title, slug=product.slug, description=product.description
            )
            index.add_child(instance=page)
            created += 1
        products[product.slug] = page
    return products, created


def seed_home_page(products: dict[str, CategoryPage]) -> bool:
    """Give the home page its intro and featured blocks, unless an editor already did."""
    home = HomePage.objects.get()
    if len(home.featured):
        return False
    home.intro = content.HOME_INTRO
    home.featured = [
        (
            "feature",
            {"title": f.title, "text": f.text, "page": products[f.product], "url": ""},
        )
        for f in content.FEATURES
    ]
    home.save_revision().publish()
    return True


# --- Demo threads, through the services ------------------------------------------------


class DemoThreadSeeder:
    """Play one ``DemoThread`` through ``forum.services``, then move it back in time.

    The services stamp everything "now"; afterwards each row's timestamps are set from the
    spec's relative hours and the thread's derived times (last activity, first answer,
    first staff answer, accepted, locked) are recomputed from them, as the services would.
    """

    def __init__(
        self,
        spec: content.DemoThread,
        users: dict[str, User],
        products: dict[str, CategoryPage],
        now: datetime,
    ):
        self.spec = spec
        self.users = users
        self.category = products[spec.product]
        self.now = now
        self.stamps: list[tuple[type[models.Model], dict, dict[str, float]]] = []
        self.activity: list[float] = [0.0]
        self.vote_hours: list[float] = []

    def run(self) -> bool:
        spec = self.spec
        author = self.users[spec.author]
        exists = Thread.objects.filter(category=self.category, author=author, title=spec.title)
        if exists.exists():
            return False
        with transaction.atomic():
            self._play(author)
        return True

    def _play(self, author: User) -> None:
        spec, users = self.spec, self.users
        thread = services.ask_question(
            author=author, category=self.category, title=spec.title, body=spec.body, tags=spec.tags
        )
        question = thread.posts.get(kind=Post.Kind.QUESTION)
        self.stamps.append((Post, {"pk": question.pk}, {"created_at": 0.0}))
        self._comments(question, 0.0, spec.comments)
        self._votes(question, 0.0, spec.me_too, ())
        answers, answer_hours, staff_hours = [], [], []
        for answer_spec in spec.answers:
            answer_author = users[answer_spec.author]
            answer = services.post_answer(thread, author=answer_author, body=answer_spec.body)
            hours = answer_spec.hours
            answers.append(answer)
            answer_hours.append(hours)
            if answer_author.is_staff_member:
                staff_hours.append(hours)
            self.activity.append(hours)
            self.stamps.append((Post, {"pk": answer.pk}, {"created_at": hours}))
            self._comments(answer, hours, answer_spec.comments)
            self._votes(answer, hours, answer_spec.up, answer_spec.down)

        thread_times: dict[str, float] = {"created_at": 0.0}
        if spec.edit is not None:
            services.edit_post(question, editor=author, body=spec.edit.body)
            self.stamps.append((Post, {"pk": question.pk}, {"edited_at": spec.edit.hours}))
            self.stamps.append((PostRevision, {"post": question}, {"created_at": spec.edit.hours}))
        if spec.accepted is not None:
            accepter = users[spec.accepted_by or spec.author]
            services.accept_answer(answers[spec.accepted], actor=accepter)
            accepted_at = answer_hours[spec.accepted] + spec.accept_hours
            thread_times["accepted_at"] = accepted_at
            self.stamps.append(
                (
                    LedgerEntry,
                    {"post_id": answers[spec.accepted].pk, "cause": Cause.ANSWER_ACCEPTED},
                    {"created_at": accepted_at},
                )
            )
            self.activity.append(accepted_at)
        if spec.pinned_by:
            moderation.pin_thread(thread, moderator=users[spec.pinned_by])
        if spec.locked_by:
            moderation.lock_thread(
                thread,
                moderator=users[spec.locked_by],
                reason="Solved, and the fix is in the next firmware: open a new thread if "
                "it comes back.",
            )
            thread_times["locked_at"] = max(self.activity) + spec.lock_hours
        thread_times["last_activity_at"] = max(self.activity)
        if answer_hours:
            thread_times["first_answer_at"] = min(answer_hours)
        if staff_hours:
            thread_times["staff_answered_at"] = min(staff_hours)
        self.stamps.append((Thread, {"pk": thread.pk}, thread_times))
        self._apply(thread_times.get("locked_at"))

    def _comments(self, post: Post, post_hours: float, specs) -> None:
        for spec in specs:
            comment = services.post_comment(post, author=self.users[spec.author], body=spec.body)
            hours = post_hours + spec.hours
            self.activity.append(hours)
            self.stamps.append((Comment, {"pk": comment.pk}, {"created_at": hours}))

    def _votes(self, post: Post, post_hours: float, up, down) -> None:
        voters = [(name, Vote.UP) for name in up] + [(name, Vote.DOWN) for name in down]
        for position, (name, value) in enumerate(voters):
            voter = self.users[name]
            services.cast_vote(post, voter=voter, value=value)
            hours = post_hours + 0.4 + 1.3 * position
            self.vote_hours.append(hours)
            self.stamps.append((Vote, {"post": post, "voter": voter}, {"created_at": hours}))
            self.stamps.append(
                (LedgerEntry, {"post_id": post.pk, "actor": voter}, {"created_at": hours})
            )

    def _apply(self, locked_at: float | None) -> None:
        """Turn relative hours into datetimes, newest no later than ``now - NEWEST``."""
        latest = max(
            [
                *self.activity,
                *self.vote_hours,
                locked_at or 0.0,
                self.spec.edit.hours if self.spec.edit else 0.0,
            ]
        )
        start = self.now - timedelta(days=self.spec.days_ago)
        start = min(start, self.now - NEWEST - latest * HOUR)
        for model, lookup, fields in self.stamps:
            if model in (Vote, LedgerEntry) and locked_at is not None:  # votes close at a lock
                fields = {name: min(hours, locked_at) for name, hours in fields.items()}
            values = {name: start + hours * HOUR for name, hours in fields.items()}
            model.objects.filter(**lookup).update(**values)


# --- Synthetic threads, in bulk ----------------------------------------------------------


@contextmanager
def given_created_at(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create store the ``created_at`` we set instead of ``auto_now_add``'s "now"."""
    fields = [model._meta.get_field("created_at") for model in model_classes]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


@dataclass
class PlannedPost:
    post: Post
    comments: list[Comment] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)


@dataclass
class PlannedThread:
    thread: Thread
    tag_ids: list[int]
    posts: list[PlannedPost]  # the question first, then the answers oldest first
    accepted: int | None = None  # index into posts


class SyntheticSeeder:
    """Adds synthetic threads until there are N, with counters equal to a recount."""

    SPREAD_DAYS = 180
    # (answers, weight): a long tail, about 4.8 answers per thread on average; with the
    # comments below that is about 10 answers and comments per thread.
    ANSWER_COUNTS = (
        *[(0, 11), (1, 13), (2, 13), (3, 11), (4, 10), (5, 8), (6, 7), (7, 6), (8, 5)],
        *[(9, 4), (10, 3), (11, 2), (12, 2), (14, 1.5), (16, 1), (20, 1), (25, 0.7), (32, 0.5)],
    )
    # Comments per post (question or answer): about 0.9 on average.
    COMMENT_COUNTS = ((0, 50), (1, 27), (2, 13), (3, 6), (5, 4))
    QUESTION_VOTES = ((0, 40), (1, 22), (2, 14), (3, 9), (5, 8), (8, 5), (15, 2))
    ANSWER_VOTES = ((0, 40), (1, 25), (2, 15), (3, 10), (5, 7), (9, 3))
    VERIFY_EVERY = 25

    def __init__(self, products: dict[str, CategoryPage], stdout, *, seed: int, batch: int):
        self.products = list(products.items())
        self.stdout = stdout
        self.seed = seed
        self.batch = batch
        self.pools: dict[str, dict[str, list[str]]] = {}
        self.block_html: dict[str, str] = {}
        self.comment_html: dict[str, str] = {}
        self.compose = True
        self.rendered = 0

    # -- driver --

    def run(self, wanted: int) -> None:
        synthetic = Thread.objects.filter(
            author__username__startswith=content.SYNTHETIC_USERNAME_PREFIX
        )
        have = synthetic.count()
        missing = wanted - have
        if missing <= 0:
            self.stdout.write(f"Synthetic threads: {have:,} already there, nothing to add.")
            return
        self.stdout.write(f"Synthetic threads: {have:,} there, adding {missing:,}...")
        self.rng = random.Random(f"{self.seed}:{have}")
        self.now = timezone.now()
        self._load_users()
        self._load_tags()
        forced = [
            count
            for count in (100, 20)
            if not permissions.visible_threads(AnonymousUser(), synthetic)
            .filter(answer_count=count)
            .exists()
        ]
        started = time.monotonic()
        done = 0
        while done < missing:
            size = min(self.batch, missing - done)
            plans = [self._plan_thread(forced.pop(0) if forced else None) for _ in range(size)]
            with transaction.atomic(), given_created_at(Thread, Post, Comment, Vote):
                self._insert(plans)
            done += size
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {have + done:,} / {wanted:,} synthetic threads ({elapsed:.1f} s)")
        # No forum events were sent for these rows, so drop the cached list pages here.
        caching.drop_everything()
        if connection.vendor == "postgresql":
            # Fresh statistics: without them the planner misjudges the list queries badly.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    # -- people and tags --

    def _load_users(self) -> None:
        prefix = content.SYNTHETIC_USERNAME_PREFIX
        wanted = (
            [
                (f"{prefix}customer_{i:03d}", Role.CUSTOMER)
                for i in range(content.SYNTHETIC_CUSTOMERS)
            ]
            + [
                (f"{prefix}rep_{i}", Role.BRAND_REPRESENTATIVE)
                for i in range(content.SYNTHETIC_REPS)
            ]
            + [(f"{prefix}agent_{i}", Role.SUPPORT_AGENT) for i in range(content.SYNTHETIC_AGENTS)]
        )
        existing = set(
            User.objects.filter(username__startswith=prefix).values_list("username", flat=True)
        )
        names = random.Random("synthetic-names")
        new = [
            User(
                username=username,
                email=f"{username}@example.com",
                display_name=f"{names.choice(content.FIRST_NAMES)} "
                f"{names.choice(content.LAST_NAMES)[0]}.",
                password=make_password(None),
                date_joined=self.now - timedelta(days=self.SPREAD_DAYS + 30 + i),
            )
            for i, (username, _role) in enumerate(wanted)
            if username not in existing
        ]
        if new:
            with transaction.atomic():
                User.objects.bulk_create(new)
                roles = dict(wanted)
                for user in User.objects.filter(username__in=[u.username for u in new]):
                    account_services.set_roles(user, roles=[roles[user.username]])
        users = list(User.objects.filter(username__startswith=prefix).prefetch_related("groups"))
        self.customers = [u for u in users if not u.is_staff_member]
        self.staff = [u for u in users if u.is_staff_member]
        self.moderators = [u for u in users if u.is_moderator]
        self.staff_ids = {u.pk for u in self.staff}

    def _load_tags(self) -> None:
        names = {name for vocab in content.SYNTHETIC_VOCAB.values() for name in vocab["tags"]}
        missing = names - set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
        if missing:
            services._tags_for(sorted(missing))  # the services' own get-or-create of tags
        self.tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))

    # -- random helpers --

    def _weighted(self, table) -> int:
        values, weights = zip(*table, strict=True)
        return self.rng.choices(values, weights)[0]

    def _hours(self, mean: float) -> float:
        return self.rng.expovariate(1 / mean) + 0.05

    def _fill(self, template: str, slots: dict[str, str]) -> str:
        return template.format(**slots)

    # -- text --

    def _slots(self, vocab) -> dict[str, str]:
        rng = self.rng
        device = rng.choice(vocab["device"])
        return {
            "device": device,
            "Device": device if device[1:2].isupper() else device[0].upper() + device[1:],
            "symptom": rng.choice(vocab["symptom"]),
            "setting": rng.choice(vocab["setting"]),
            "when": rng.choice(content.SYNTHETIC_WHEN),
            "often": rng.choice(content.SYNTHETIC_OFTEN),
            "months": str(rng.randint(2, 30)),
            "major": str(rng.randint(3, 6)),
            "minor": str(rng.randint(0, 14)),
            "patch": str(rng.randint(0, 9)),
            "app": f"6.{rng.randint(0, 5)}.{rng.randint(0, 9)}",
            "bars": str(rng.randint(1, 4)),
            "colour": rng.choice(("orange", "red", "blue", "white")),
        }

    def _pool(self, slug: str) -> dict[str, list[str]]:
        """Per product, the list and log blocks posts are assembled from (made once).

        Lists and code blocks cost the most to render; drawing them from a pool lets the
        block cache render each once, while the paragraphs around them keep posts varied.
        """
        if slug in self.pools:
            return self.pools[slug]
        rng = random.Random(f"pool:{slug}")
        vocab = content.SYNTHETIC_VOCAB[slug]

        def fill(template: str) -> str:
            device = rng.choice(vocab["device"])
            return template.format(device=device, setting=rng.choice(vocab["setting"]))

        tried = [
            "\n".join(
                f"- {fill(t)}" for t in rng.sample(content.SYNTHETIC_TRIED, rng.randint(2, 4))
            )
            for _ in range(150)
        ]
        steps = []
        for _ in range(300):
            chosen = [
                fill(s) for s in rng.sample(content.SYNTHETIC_ANSWER_STEPS, rng.randint(1, 4))
            ]
            if len(chosen) == 1:
                steps.append(chosen[0] + ".")
            else:
                steps.append("\n".join(f"{n}. {step}" for n, step in enumerate(chosen, 1)))
        logs = []
        for _ in range(100):
            date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            lines = sorted(
                rng.choice(content.SYNTHETIC_LOG_LINES).format(
                    date=date,
                    h=rng.randint(0, 9),
                    m=f"{rng.randint(0, 59):02d}",
                    s=f"{rng.randint(0, 59):02d}",
                    n=rng.randint(2, 9),
                )
                for _ in range(rng.randint(2, 5))
            )
            logs.append("```\n" + "\n".join(lines) + "\n```")
        self.pools[slug] = {"tried": tried, "steps": steps, "logs": logs}
        return self.pools[slug]

    def _question_blocks(self, slug: str, slots) -> tuple[str, list[str]]:
        rng, pool = self.rng, self._pool(slug)
        title = self._fill(rng.choice(content.SYNTHETIC_TITLES), slots)
        details = rng.sample(content.SYNTHETIC_DETAILS, rng.randint(1, 3))
        opening = [self._fill(rng.choice(content.SYNTHETIC_OPENINGS), slots)]
        blocks = [
            " ".join(opening + [self._fill(d, slots) for d in details]),
            "What I've tried so far:",
            rng.choice(pool["tried"]),
        ]
        if rng.random() < 0.3:
            blocks += ["From the device log:", rng.choice(pool["logs"])]
        blocks.append(rng.choice(content.SYNTHETIC_QUESTION_CLOSINGS))
        return title, blocks

    def _answer_blocks(self, slug: str, slots, *, staff: bool) -> list[str]:
        rng = self.rng
        blocks = []
        if staff:
            slots = {**slots, "setting": rng.choice(content.SYNTHETIC_VOCAB[slug]["setting"])}
            blocks.append(self._fill(rng.choice(content.SYNTHETIC_STAFF_ANSWERS), slots))
        elif opening := rng.choice(content.SYNTHETIC_ANSWER_OPENINGS):
            blocks.append(opening)
        blocks.append(rng.choice(self._pool(slug)["steps"]))
        if closing := rng.choice(content.SYNTHETIC_ANSWER_CLOSINGS):
            blocks.append(closing)
        return blocks

    def _comment_text(self, vocab) -> str:
        return self.rng.choice(content.SYNTHETIC_COMMENTS).format(
            setting=self.rng.choice(vocab["setting"])
        )

    def _render_post(self, blocks: list[str]) -> tuple[str, str]:
        """The Markdown of a post made of *blocks*, and ``rendering.render_post`` of it.

        Markdown renders blank-line-separated blocks independently and joins them with a
        newline, so the HTML is assembled from cached renders of the blocks. Every
        ``VERIFY_EVERY``-th post is rendered whole and compared; on a mismatch the rest of
        the run renders every post whole.
        """
        text = "\n\n".join(blocks)
        self.rendered += 1
        if not self.compose or self.rendered % self.VERIFY_EVERY == 1:
            whole = rendering.render_post(text)
            if not self.compose:
                return text, whole
        html = "\n".join(self._render_block(block) for block in blocks)
        if self.rendered % self.VERIFY_EVERY == 1 and html != whole:
            self.stdout.write(
                "  warning: rendering a post block by block differs from rendering it "
                "whole; rendering whole posts from now on (slower)."
            )
            self.compose = False
            return text, whole
        return text, html

    def _render_block(self, block: str) -> str:
        if (cached := self.block_html.get(block)) is None:
            cached = self.block_html[block] = rendering.render_post(block)
        return cached

    def _render_comment(self, text: str) -> str:
        if (cached := self.comment_html.get(text)) is None:
            cached = self.comment_html[text] = rendering.render_comment(text)
        return cached

    # -- one thread --

    def _plan_thread(self, answer_count: int | None) -> PlannedThread:
        rng = self.rng
        slug, category = rng.choice(self.products)
        vocab = content.SYNTHETIC_VOCAB[slug]
        slots = self._slots(vocab)
        asker = rng.choice(self.customers)
        if answer_count is None:
            answer_count = self._weighted(self.ANSWER_COUNTS)
        title, question_blocks = self._question_blocks(slug, slots)

        # Relative hours after the question; answers oldest first.
        gap = 2.0 if answer_count > 30 else 7.0
        answer_hours, hours = [], self._hours(5.0)
        for _ in range(answer_count):
            answer_hours.append(hours)
            hours += self._hours(gap)
        answer_authors = [
            rng.choice(self.staff) if rng.random() < 0.12 else self._customer_not(asker)
            for _ in range(answer_count)
        ]
        specs = [(asker, 0.0, question_blocks)] + [
            (author, at, self._answer_blocks(slug, slots, staff=author.pk in self.staff_ids))
            for author, at in zip(answer_authors, answer_hours, strict=True)
        ]
        planned: list[PlannedPost] = []
        activity = [0.0, *answer_hours]
        for index, (author, at, blocks) in enumerate(specs):
            text, html = self._render_post(blocks)
            post = Post(
                kind=Post.Kind.QUESTION if index == 0 else Post.Kind.ANSWER,
                author=author,
                body_markdown=text,
                body_html=html,
            )
            post._hours = at
            item = PlannedPost(post)
            for _ in range(self._weighted(self.COMMENT_COUNTS)):
                roll = rng.random()
                commenter = asker if roll < 0.4 else author if roll < 0.6 else None
                commenter = commenter or rng.choice(self.customers)
                comment_text = self._comment_text(vocab)
                comment = Comment(
                    author=commenter,
                    body_markdown=comment_text,
                    body_html=self._render_comment(comment_text),
                )
                comment._hours = at + self._hours(6.0)
                activity.append(comment._hours)
                item.comments.append(comment)
            item.comments.sort(key=lambda c: c._hours)
            post.comment_count = len(item.comments)
            planned.append(item)

        accepted = accepted_hours = accepter = None
        if answer_count and rng.random() < 0.45:
            accepted = rng.randint(1, answer_count)
            accepted_hours = answer_hours[accepted - 1] + self._hours(12.0)
            activity.append(accepted_hours)
            accepter = asker if rng.random() < 0.8 else rng.choice(self.moderators)
        locked_hours = None
        if answer_count and rng.random() < 0.01:
            locked_hours = max(activity) + self._hours(24.0)

        # Votes: "me too" on the question, up and down on answers (more up on the solution).
        vote_hours = []
        for index, item in enumerate(planned):
            post = item.post
            table = self.QUESTION_VOTES if index == 0 else self.ANSWER_VOTES
            count = self._weighted(table) + (rng.randint(1, 3) if index == accepted else 0)
            voters = [u for u in rng.sample(self.customers, count + 1) if u != post.author][:count]
            for voter in voters:
                value = Vote.UP if index == 0 or rng.random() < 0.82 else Vote.DOWN
                vote = Vote(voter=voter, value=value)
                vote._hours = post._hours + self._hours(20.0)
                if locked_hours is not None:
                    vote._hours = max(post._hours, min(vote._hours, locked_hours))
                vote_hours.append(vote._hours)
                item.votes.append(vote)
            post.score = sum(v.value for v in item.votes)

        # Place the whole timeline in the past.
        span = max([*activity, *vote_hours, locked_hours or 0.0])
        oldest = self.SPREAD_DAYS * 24
        age = rng.uniform(span, max(span, oldest)) + NEWEST / HOUR
        start = self.now - age * HOUR

        def at(hours: float) -> datetime:
            return start + hours * HOUR

        for item in planned:
            item.post.created_at = at(item.post._hours)
            for comment in item.comments:
                comment.created_at = at(comment._hours)
            for vote in item.votes:
                vote.created_at = at(vote._hours)
        staff_hours = [
            h for h, a in zip(answer_hours, answer_authors, strict=True) if a.is_staff_member
        ]
        question_html = planned[0].post.body_html
        thread = Thread(
            category=category,
            author=asker,
            title=title,
            slug=services._thread_slug(title),
            excerpt=rendering.excerpt(question_html),
            answer_count=answer_count,
            others_comment_count=sum(c.author != asker for c in planned[0].comments),
            vote_count=planned[0].post.score,
            first_answer_at=at(answer_hours[0]) if answer_hours else None,
            staff_answered_at=at(min(staff_hours)) if staff_hours else None,
            accepted_at=at(accepted_hours) if accepted is not None else None,
            accepted_by=accepter,
            is_locked=locked_hours is not None,
            locked_at=at(locked_hours) if locked_hours is not None else None,
            created_at=at(0.0),
            last_activity_at=at(max(activity)),
        )
        tags = rng.sample(vocab["tags"], rng.randint(1, 3))
        return PlannedThread(thread, [self.tag_ids[t] for t in tags], planned, accepted)

    def _customer_not(self, user: User) -> User:
        while (other := self.rng.choice(self.customers)) == user:
            pass
        return other

    # -- writing --

    def _insert(self, plans: list[PlannedThread]) -> None:
        size = 2000
        Thread.objects.bulk_create([p.thread for p in plans], batch_size=size)
        Thread.tags.through.objects.bulk_create(
            [
                Thread.tags.through(thread_id=p.thread.pk, tag_id=tag_id)
                for p in plans
                for tag_id in p.tag_ids
            ],
            batch_size=size,
        )
        posts = []
        for plan in plans:
            for item in plan.posts:
                item.post.thread = plan.thread
                posts.append(item.post)
        Post.objects.bulk_create(posts, batch_size=size)
        comments, votes = [], []
        for plan in plans:
            for item in plan.posts:
                for comment in item.comments:
                    comment.post = item.post
                    comments.append(comment)
                for vote in item.votes:
                    vote.post = item.post
                    votes.append(vote)
        Comment.objects.bulk_create(comments, batch_size=size)
        Vote.objects.bulk_create(votes, batch_size=size)
        solved = []
        for plan in plans:
            if plan.accepted is not None:
                plan.thread.accepted_answer = plan.posts[plan.accepted].post
                solved.append(plan.thread)
        Thread.objects.bulk_update(solved, ["accepted_answer"], batch_size=500)
