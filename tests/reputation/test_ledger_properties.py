"""Property: whatever members and moderators do, in any order, the ledger stays true.

After any sequence of votes, vote changes, undos, accepts, unaccepts, deletions, hides
and shows, with or without a tight daily cap: each member's stored score is the sum of
their ledger rows, the rebuild finds no difference, and exactly the points that the
forum's current state earns are standing (nothing counted twice, nothing left behind).
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.roles import Role
from forum import services
from forum.models import Post, Thread, Visibility, Vote
from reputation import services as reputation
from reputation.models import LedgerEntry, Reason
from tests.factories import UserFactory, make_answer, make_thread

pytestmark = pytest.mark.django_db

MEMBERS = 5  # 0: the asker; 1-2: answerers; 3: a customer voter; 4: a brand rep
POSTS = 4  # per example: two questions' first posts and two answers

actions = st.one_of(
    st.tuples(
        st.just("vote"),
        st.integers(0, MEMBERS - 1),
        st.integers(0, POSTS - 1),
        st.sampled_from([1, -1, 0]),
    ),
    st.tuples(st.just("accept"), st.sampled_from([0, 4]), st.integers(2, POSTS - 1)),
    st.tuples(st.just("unaccept"), st.sampled_from([0, 4]), st.integers(0, 1)),
    st.tuples(st.just("delete"), st.integers(0, MEMBERS - 1), st.integers(0, POSTS - 1)),
    st.tuples(st.just("hide"), st.booleans(), st.integers(0, POSTS - 1)),
    st.tuples(st.just("unhide"), st.just(4), st.integers(0, POSTS - 1)),
    st.tuples(st.just("adjust"), st.integers(0, MEMBERS - 1), st.integers(-30, 30)),
)


def _run(action: tuple, members: list[User], posts: list[Post], threads: list[Thread]) -> object:
    """Do *action*; returns what the service returned."""
    kind = action[0]
    moderator = members[4]
    if kind == "vote":
        _, who, which, value = action
        post = Post.objects.select_related("thread").get(pk=posts[which].pk)
        if post.is_question and value == -1:
            value = 1
        return services.cast_vote(post, voter=members[who], value=value)
    elif kind == "accept":
        _, who, which = action
        services.accept_answer(Post.objects.get(pk=posts[which].pk), actor=members[who])
    elif kind == "unaccept":
        _, who, which = action
        services.unaccept_answer(threads[which], actor=members[who])
    elif kind == "delete":
        _, who, which = action
        services.delete_post(Post.objects.get(pk=posts[which].pk), actor=members[who])
    elif kind == "hide":
        _, as_spam, which = action
        return services.hide_post(
            Post.objects.get(pk=posts[which].pk), moderator=moderator, as_spam=as_spam
        )
    elif kind == "unhide":
        return services.unhide_post(Post.objects.get(pk=posts[action[2]].pk), moderator=moderator)
    elif kind == "adjust":
        _, who, points = action
        reputation.adjust(members[who], points=points, actor=moderator, note="property test")
    return None


def _expected_standing(
    posts: list[Post], spam_penalised: set[int]
) -> dict[tuple[int, str, int], int]:
    """How many standing entries (member, reason, post) the forum's state now earns.

    *spam_penalised*: the posts hidden as spam and not shown again since.
    """
    expected: dict[tuple[int, str, int], int] = {}

    def add(member_id: int, reason: str, post_id: int) -> None:
        key = (member_id, reason, post_id)
        expected[key] = expected.get(key, 0) + 1

    for post in Post.objects.filter(pk__in=[p.pk for p in posts]).select_related("thread"):
        thread = post.thread
        # A hidden question holds its whole thread's points until it is shown again.
        earning = post.state == Visibility.PUBLISHED and thread.state == Visibility.PUBLISHED
        if earning:
            for vote in Vote.objects.filter(post=post):
                if post.is_question:
                    add(post.author_id, Reason.QUESTION_ME_TOO, post.pk)
                elif vote.value > 0:
                    add(post.author_id, Reason.ANSWER_UPVOTED, post.pk)
                else:
                    add(post.author_id, Reason.ANSWER_DOWNVOTED, post.pk)
                    add(vote.voter_id, Reason.DOWNVOTE_GIVEN, post.pk)
        accepted = earning and thread.accepted_answer_id == post.pk
        if accepted and post.author_id != thread.author_id:
            add(post.author_id, Reason.ANSWER_ACCEPTED, post.pk)
            if thread.accepted_by_id == thread.author_id:
                add(thread.author_id, Reason.ACCEPT_GIVEN, post.pk)
        if accepted:
            accepter = User.objects.get(pk=thread.accepted_by_id)
            if (
                accepter.is_moderator
                and accepter.pk != thread.author_id
                and post.author_id != accepter.pk
            ):
                add(post.author_id, Reason.SOLUTION_VERIFIED, post.pk)
        if post.pk in spam_penalised:
            add(post.author_id, Reason.POST_HIDDEN_AS_SPAM, post.pk)
    return expected


def _actual_standing(posts: list[Post]) -> dict[tuple[int, str, int], int]:
    actual: dict[tuple[int, str, int], int] = {}
    rows = reputation.standing().filter(post_id__in=[p.pk for p in posts])
    for member_id, reason, post_id in rows.values_list("member_id", "reason", "post_id"):
        key = (member_id, reason, post_id)
        actual[key] = actual.get(key, 0) + 1
    return actual


@pytest.mark.parametrize("cap", [0, 12])
def test_scores_always_equal_the_ledger(cap, settings_override, category):
    settings_override.REPUTATION_DAILY_VOTE_CAP = cap
    members = [
        UserFactory(),
        UserFactory(),
        UserFactory(),
        UserFactory(),
        UserFactory(role=Role.BRAND_REPRESENTATIVE),
    ]
    first = make_thread(author=members[0], category=category, title="Printer jams on page two")
    second = make_thread(author=members[0], category=category, title="Thermostat loses its pairing")
    threads = [first, second]

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(actions, max_size=25))
    def check(sequence):
        with transaction.atomic():
            posts = [
                first.posts.get(kind="question"),
                second.posts.get(kind="question"),
                make_answer(first, author=members[1], body="Clean the rollers with a damp cloth."),
                make_answer(first, author=members[2], body="Update the firmware from the app."),
            ]
            spam_penalised: set[int] = set()
            for action in sequence:
                try:
                    with transaction.atomic():
                        done = _run(action, members, posts, threads)
                except (PermissionDenied, ValueError):
                    continue  # refused as the forum would refuse it: nothing may have changed
                post_id = posts[action[2]].pk if action[0] in ("hide", "unhide") else None
                if action[0] == "hide" and done and action[1]:
                    spam_penalised.add(post_id)
                elif action[0] == "unhide" and done:
                    spam_penalised.discard(post_id)
            for member in members:
                member.refresh_from_db()
                total = LedgerEntry.objects.filter(member=member).aggregate(t=Sum("points"))["t"]
                assert member.reputation == (total or 0), member.username
            assert reputation.rebuild_scores(fix=False) == []
            # (The cap changes the points of an entry, never which entries stand.)
            assert _actual_standing(posts) == _expected_standing(posts, spam_penalised)
            transaction.set_rollback(True)

    check()


@pytest.fixture
def settings_override(settings):
    return settings
