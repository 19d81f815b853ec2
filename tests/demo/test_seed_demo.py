"""``manage.py seed_demo``: idempotent demo content, working demo logins, honest counters."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision

from accounts.models import User
from demo import content as demo_content
from forum import rendering, services
from forum.models import (
    CategoryPage,
    Comment,
    HomePage,
    Post,
    PostRevision,
    Tag,
    Thread,
    Vote,
)

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, force=True, **options)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "products": CategoryPage.objects.count(),
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "comments": Comment.objects.count(),
        "votes": Vote.objects.count(),
        "revisions": PostRevision.objects.count(),
        "tags": Tag.objects.count(),
        "page_revisions": Revision.objects.count(),
        "solved": Thread.objects.solved().count(),
    }


def assert_counters_match_recount() -> None:
    """Every stored counter and derived field equals what a recount of the rows gives."""
    threads = Thread.objects.prefetch_related("posts__author__groups", "posts__comments")
    votes = dict(Post.objects.annotate(n=Count("votes")).values_list("pk", "n"))
    vote_sums: dict[int, int] = {}
    for post_id, value in Vote.objects.values_list("post_id", "value"):
        vote_sums[post_id] = vote_sums.get(post_id, 0) + value
    now = timezone.now()
    for thread in threads:
        posts = sorted(thread.posts.all(), key=lambda p: (p.created_at, p.pk))
        question = next(p for p in posts if p.kind == Post.Kind.QUESTION)
        # answer_count is the count visitors see: published answers only.
        answers = [p for p in posts if p.kind == Post.Kind.ANSWER and p.is_published]
        if not thread.is_published:
            answers = [p for p in posts if p.kind == Post.Kind.ANSWER and not p.is_deleted]
        assert posts[0] == question, thread
        assert thread.answer_count == len(answers), thread
        assert thread.vote_count == question.score, thread
        others = [c for c in question.comments.all() if c.is_published]
        others = [c for c in others if c.author_id != thread.author_id]
        assert thread.others_comment_count == len(others), thread
        assert thread.slug == services._thread_slug(thread.title)
        assert thread.excerpt == rendering.excerpt(question.body_html)
        assert thread.created_at == question.created_at
        assert thread.first_answer_at == (answers[0].created_at if answers else None)
        staff = [a.created_at for a in answers if a.author.is_staff_member]
        assert thread.staff_answered_at == (min(staff) if staff else None), thread
        # Activity is what visitors see: published posts and comments.
        shown = [p for p in posts if p.is_published] if thread.is_published else posts
        comments = [c for p in shown for c in p.comments.all() if c.is_published]
        activity = [p.created_at for p in shown] + [c.created_at for c in comments]
        if thread.accepted_at:
            activity.append(thread.accepted_at)
        assert thread.last_activity_at == max(activity), thread
        assert thread.last_activity_at <= now
        if thread.is_solved:
            accepted = thread.accepted_answer
            assert accepted in answers
            assert thread.accepted_at >= accepted.created_at
            assert thread.accepted_by == thread.author or thread.accepted_by.is_moderator
        else:
            assert thread.accepted_at is None
            assert thread.accepted_by is None
        if thread.is_locked:
            assert thread.locked_at >= thread.last_activity_at
        for post in posts:
            assert post.score == vote_sums.get(post.pk, 0), post
            assert post.comment_count == len(post.comments.all()), post
            assert post.body_html == rendering.render_post(post.body_markdown), post
            assert post.created_at >= question.created_at
            for comment in post.comments.all():
                assert comment.created_at >= post.created_at
                assert comment.body_html == rendering.render_comment(comment.body_markdown)
    assert sum(votes.values()) == Vote.objects.count()
    assert not Vote.objects.filter(post__kind=Post.Kind.QUESTION, value=Vote.DOWN).exists()
    for vote in Vote.objects.select_related("post"):
        assert vote.voter_id != vote.post.author_id
        assert vote.post.created_at <= vote.created_at <= now


def test_running_it_twice_changes_nothing():
    output = seed()
    first = snapshot()
    assert first["products"] == len(demo_content.PRODUCTS)
    # The demo threads, the newcomer's question waiting for review and the closed duplicate.
    assert first["threads"] == len(demo_content.THREADS) + 2
    assert "rita_admin" in output
    assert "admin-demo-pass" in output

    output = seed()
    assert snapshot() == first
    assert "0 new threads" in output


def test_demo_accounts_can_log_in_with_the_printed_passwords_and_have_their_roles(client):
    seed()
    cache.clear()  # allauth's login rate limit lives in the cache
    for account in demo_content.ACCOUNTS:
        response = client.post(
            reverse("account_login"), {"login": account.username, "password": account.password}
        )
        assert response.status_code == 302, account.username
        assert response.wsgi_request.user.username == account.username
        client.logout()

    users = {u.username: u for u in User.objects.prefetch_related("groups")}
    for account in demo_content.ACCOUNTS:
        user = users[account.username]
        assert account.role.value in user.role_names
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    assert users["jordan_nimbus"].is_moderator
    assert users["chris_nimbus"].is_staff_member
    assert not users["chris_nimbus"].is_moderator
    assert not users["maria_k"].is_staff_member
    admin = users["rita_admin"]
    assert admin.is_staff
    assert admin.is_superuser
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_demo_content_covers_every_state_with_consistent_counters(client):
    seed()
    threads = Thread.objects.select_related("accepted_answer__author", "accepted_by", "author")
    customers_solved = [
        t
        for t in threads.solved()
        if not t.accepted_answer.author.is_staff_member and t.accepted_by == t.author
    ]
    staff_solved = [t for t in threads.solved() if t.accepted_answer.author.is_staff_member]
    self_accepted_by_staff = [t for t in staff_solved if t.accepted_by == t.accepted_answer.author]
    assert customers_solved
    assert staff_solved
    assert self_accepted_by_staff
    assert threads.unanswered().count() >= 4
    assert threads.open().filter(answer_count__gt=0).exists()
    assert threads.filter(staff_answered_at__isnull=False).count() >= 10
    assert threads.filter(is_locked=True, duplicate_of__isnull=True).count() == 1
    assert threads.filter(is_pinned=True).count() >= 2
    assert threads.filter(vote_count__gt=0).exists()
    assert Vote.objects.filter(value=Vote.DOWN).exists()
    assert Comment.objects.filter(post__kind=Post.Kind.QUESTION).exists()
    assert Comment.objects.filter(post__kind=Post.Kind.ANSWER).exists()
    assert PostRevision.objects.exists()
    assert Post.objects.filter(body_html__contains="<pre><code").exists()
    assert Post.objects.filter(body_html__contains="<ol>").exists()
    assert Tag.objects.filter(threads__isnull=False).distinct().count() > 20
    ages = [timezone.now() - t.created_at for t in threads]
    assert max(ages).days >= 28
    assert min(ages).days < 2
    assert_counters_match_recount()

    home = HomePage.objects.get()
    assert "Nimbus Home community" in home.intro
    assert len(home.featured) == len(demo_content.FEATURES)
    assert home.featured[0].value["page"].specific.slug == demo_content.FEATURES[0].product
    assert client.get("/").status_code == 200
    for product in CategoryPage.objects.all():
        assert client.get(product.url).status_code == 200
    for thread in threads.filter(is_locked=True) | threads.filter(answer_count__gt=1)[:3]:
        assert client.get(thread.get_absolute_url()).status_code == 200


def test_demo_content_fits_the_forms_limits():
    from forum.models import (
        BODY_MIN_LENGTH,
        COMMENT_MAX_LENGTH,
        MAX_TAGS,
        TAG_MAX_LENGTH,
        TITLE_MAX_LENGTH,
        TITLE_MIN_LENGTH,
    )

    usernames = {a.username for a in demo_content.ACCOUNTS}
    products = {p.slug for p in demo_content.PRODUCTS}
    for spec in demo_content.THREADS:
        assert TITLE_MIN_LENGTH <= len(spec.title) <= TITLE_MAX_LENGTH
        assert len(spec.body) >= BODY_MIN_LENGTH
        assert 1 <= len(spec.tags) <= MAX_TAGS
        assert all(len(tag) <= TAG_MAX_LENGTH for tag in spec.tags)
        assert spec.product in products
        assert spec.author in usernames
        hours = [a.hours for a in spec.answers]
        assert hours == sorted(hours), spec.title
        for answer in spec.answers:
            assert len(answer.body) >= BODY_MIN_LENGTH
        comments = [*spec.comments, *(c for a in spec.answers for c in a.comments)]
        assert all(len(c.body) <= COMMENT_MAX_LENGTH for c in comments)


def test_synthetic_threads_have_honest_counters_and_the_benchmark_sizes():
    output = seed(threads=30, batch=12)
    synthetic = Thread.objects.filter(
        author__username__startswith=demo_content.SYNTHETIC_USERNAME_PREFIX
    )
    assert synthetic.count() == 30
    assert "30 / 30 synthetic threads" in output
    assert synthetic.filter(answer_count=20).exists()
    assert synthetic.filter(answer_count=100).exists()
    assert synthetic.solved().exists()
    assert synthetic.unanswered().exists()
    assert synthetic.filter(staff_answered_at__isnull=False).exists()
    assert Comment.objects.filter(post__thread__in=synthetic).exists()
    assert Vote.objects.filter(post__thread__in=synthetic, value=Vote.DOWN).exists()
    assert_counters_match_recount()
    synthetic_users = User.objects.filter(
        username__startswith=demo_content.SYNTHETIC_USERNAME_PREFIX
    )
    assert not any(u.has_usable_password() for u in synthetic_users)

    before = snapshot()
    assert "nothing to add" in seed(threads=30)
    assert snapshot() == before
    seed(threads=34)
    assert synthetic.count() == 34
    assert synthetic.filter(answer_count=100).count() == 1  # the long ones are made once
    assert_counters_match_recount()


def test_demo_has_content_only_moderators_see(client):
    seed()
    examples = demo_content.VISIBILITY_EXAMPLES
    spam = Post.objects.get(body_markdown=examples["spam_body"])
    pending = Thread.objects.get(title=examples["pending_title"])

    visitor_page = client.get(spam.thread.get_absolute_url()).content.decode()
    assert "best-thermo-deals" not in visitor_page
    assert client.get(pending.get_absolute_url()).status_code == 404
    client.force_login(User.objects.get(username="jordan_nimbus"))
    moderator_page = client.get(spam.thread.get_absolute_url()).content.decode()
    assert "best-thermo-deals" in moderator_page
    assert "Hidden by a moderator" in moderator_page
    assert client.get(pending.get_absolute_url()).status_code == 200


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    users_before = User.objects.count()

    with pytest.raises(CommandError, match="never runs on a real site"):
        call_command("seed_demo", stdout=StringIO())

    assert User.objects.count() == users_before


def test_demo_shows_reputation_badges_and_a_serial_voting_case():
    from reputation import services as reputation
    from reputation.models import BadgeAward, GamingCase, LedgerEntry, Reason

    seed()
    assert reputation.rebuild_scores(fix=False) == []
    customers = User.objects.filter(groups__name="Customers")
    scores = dict(customers.values_list("username", "reputation"))
    assert len(set(scores.values())) >= 5  # varied, not all alike
    assert max(scores.values()) >= 1000
    levels = set(customers.values_list("trust_level", flat=True))
    assert len(levels) >= 3
    # The history reaches back months, spread over the last 90 days too.
    days = {entry.date() for entry in LedgerEntry.objects.values_list("created_at", flat=True)}
    assert len(days) >= 20
    assert BadgeAward.objects.values("badge").distinct().count() >= 5
    hero, badge, _reason = demo_content.HERO
    assert BadgeAward.objects.get(member__username=hero, badge=badge).awarded_by is not None
    case = GamingCase.objects.get(kind=GamingCase.Kind.SERIAL_VOTING)
    assert case.status == GamingCase.Status.OPEN
    assert set(case.members.values_list("username", flat=True)) == {
        demo_content.SERIAL_VOTER,
        demo_content.SERIAL_VOTED_FOR,
    }
    spam_author = demo_content.VISIBILITY_EXAMPLES["spam_author"]
    assert LedgerEntry.objects.filter(
        member__username=spam_author, reason=Reason.POST_HIDDEN_AS_SPAM
    ).exists()
    # Seeding again adds nothing.
    entries, awards = LedgerEntry.objects.count(), BadgeAward.objects.count()
    seed()
    assert (LedgerEntry.objects.count(), BadgeAward.objects.count()) == (entries, awards)
