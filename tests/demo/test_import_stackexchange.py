"""``manage.py import_stackexchange``: a Stack Exchange dump loaded in bulk, with every
stored counter equal to what the forum's services would have left behind."""

import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.roles import Role
from demo import stackexchange
from forum import rendering, services
from forum.models import CategoryPage, Comment, Post, Tag, Thread, Visibility, Vote
from reputation import services as reputation
from reputation.models import Cause, LedgerEntry, Reason
from tests.factories import make_category, make_thread

pytestmark = pytest.mark.django_db

# The shared data folder beside the repository (../shared/data/).
QUANTUM = Path(__file__).resolve().parents[3] / "shared" / "data" / "stackexchange-quantumcomputing"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- A tiny hand-written dump -------------------------------------------------------------

USERS = [
    {"Id": "10", "DisplayName": "Alice Quantum", "CreationDate": "2018-03-01T10:00:00.000"},
    {"Id": "11", "DisplayName": "Bob", "CreationDate": "2018-03-02T10:00:00.000"},
    {"Id": "12", "DisplayName": "Bob", "CreationDate": "2018-03-03T10:00:00.000"},
    # A customer's name may not contain a word kept for the company.
    {"Id": "13", "DisplayName": "Support Team", "CreationDate": "2018-03-04T10:00:00.000"},
    # Owns only an answer to a deleted question: not imported.
    {"Id": "14", "DisplayName": "Lurker", "CreationDate": "2018-03-05T10:00:00.000"},
]
HADAMARD_BODY = (
    "<p>Applying <strong>H</strong> twice<script>alert('xss')</script> gives what?</p>\n"
    '<p onclick="steal()">Is it the identity? Here is <a href="javascript:alert(1)">a link</a>'
    ' and the <a href="https://qiskit.org/docs">docs</a>.</p>\n'
    '<pre class="lang-py prettyprint-override"><code>qc.h(0)\nqc.h(0)\n</code></pre>'
)
POSTS = [
    {
        "Id": "1",
        "PostTypeId": "1",
        "AcceptedAnswerId": "3",
        "CreationDate": "2018-03-12T17:00:00.000",
        "Score": "7",
        "Body": HADAMARD_BODY,
        "OwnerUserId": "10",
        "LastActivityDate": "2018-09-01T00:00:00.000",
        "Title": "What does applying a Hadamard gate twice do?",
        "Tags": "<quantum-gate><qiskit><superconducting-quantum-computing>",
    },
    {
        "Id": "2",
        "PostTypeId": "2",
        "ParentId": "1",
        "CreationDate": "2018-03-12T18:00:00.000",
        "Score": "-1",
        # Text that Markdown would read as markup: a tag, a link, a list item.
        "Body": "<p>Nothing <em>at all</em>: it is the identity on &lt;T&gt; [x](y).</p>"
        "<p>1. is not a list here</p>",
        "OwnerUserId": "11",
    },
    {
        "Id": "3",
        "PostTypeId": "2",
        "ParentId": "1",
        "CreationDate": "2018-03-12T19:00:00.000",
        "Score": "5",
        "Body": "<p>H is its own inverse: <code>H*H = I</code>.</p>",
        "OwnerUserId": "12",
    },
    {  # its owner's account is gone: only a display name is left
        "Id": "4",
        "PostTypeId": "1",
        "CreationDate": "2018-03-13T09:00:00.000",
        "Body": "<p>What is a qubit, in plain words please?</p>",
        "OwnerDisplayName": "gone",
        "Title": "What is a qubit, in plain words?",
        "Tags": "<qubit>",
    },
    {
        "Id": "5",
        "PostTypeId": "1",
        "CreationDate": "2018-03-14T08:00:00.000",
        "ClosedDate": "2018-03-14T09:00:00.000",
        "Body": "<p>Two Hadamard gates in a row: what happens?</p>",
        "OwnerUserId": "11",
        "Title": "Two Hadamard gates in a row",
        "Tags": "<Quantum-Gate>",
    },
    {  # nothing left once converted: skipped, with its answer and comment
        "Id": "6",
        "PostTypeId": "1",
        "CreationDate": "2018-03-15T08:00:00.000",
        "Body": "<p> <script>alert(1)</script> </p>",
        "OwnerUserId": "13",
        "Title": "An empty question here",
        "Tags": "<qubit>",
    },
    {
        "Id": "7",
        "PostTypeId": "2",
        "ParentId": "6",
        "CreationDate": "2018-03-15T09:00:00.000",
        "Body": "<p>An answer to nothing.</p>",
        "OwnerUserId": "13",
    },
    {  # a tag wiki excerpt: not a question or an answer
        "Id": "8",
        "PostTypeId": "4",
        "CreationDate": "2018-03-12T00:00:00.000",
        "Body": "<p>For questions about qubits.</p>",
    },
    {  # its owner is no longer in Users.xml
        "Id": "9",
        "PostTypeId": "2",
        "ParentId": "4",
        "CreationDate": "2018-03-13T10:00:00.000",
        "Body": "<p>A two-level quantum system.</p>",
        "OwnerUserId": "99",
    },
    {  # its question was deleted on Stack Exchange
        "Id": "10",
        "PostTypeId": "2",
        "ParentId": "555",
        "CreationDate": "2018-03-13T10:00:00.000",
        "Body": "<p>An answer whose question is gone.</p>",
        "OwnerUserId": "14",
    },
    {
        "Id": "20",
        "PostTypeId": "1",
        "CreationDate": "2018-03-16T08:00:00.000",
        "Body": "<p>Asked by the member whose name was kept for the company.</p>",
        "OwnerUserId": "13",
        "Title": "Which simulator should I start with?",
        "Tags": "<simulation>",
    },
]
COMMENTS = [
    {  # by someone else than the asker; "<b>" is text on Stack Exchange
        "Id": "100",
        "PostId": "1",
        "Text": "Have you tried <b>it</b> in Qiskit?",
        "CreationDate": "2018-03-12T17:30:00.000",
        "UserId": "11",
    },
    {
        "Id": "101",
        "PostId": "1",
        "Text": "Yes, see [the docs](https://qiskit.org) and `a<b>c`.",
        "CreationDate": "2018-03-12T17:40:00.000",
        "UserId": "10",
    },
    {  # the thread's last activity, after the accept
        "Id": "102",
        "PostId": "3",
        "Text": "Thanks, that settles it!",
        "CreationDate": "2018-03-13T12:00:00.000",
        "UserId": "10",
    },
    {  # after the duplicate was closed
        "Id": "103",
        "PostId": "5",
        "Text": "See the older question.",
        "CreationDate": "2018-03-14T10:00:00.000",
        "UserId": "10",
    },
    {
        "Id": "104",
        "PostId": "6",
        "Text": "On a skipped question.",
        "UserId": "11",
        "CreationDate": "2018-03-15T10:00:00.000",
    },
    {
        "Id": "105",
        "PostId": "8",
        "Text": "On a tag wiki.",
        "UserId": "11",
        "CreationDate": "2018-03-15T10:00:00.000",
    },
    {  # no UserId: the commenter's account is gone
        "Id": "106",
        "PostId": "4",
        "Text": "Anyone?",
        "CreationDate": "2018-03-13T11:00:00.000",
        "UserDisplayName": "gone",
    },
]
VOTES = [
    # Accepted by the asker: Stack Exchange keeps only the day.
    {"Id": "1", "PostId": "3", "VoteTypeId": "1", "CreationDate": "2018-03-12T00:00:00.000"},
    {"Id": "2", "PostId": "1", "VoteTypeId": "2", "CreationDate": "2018-03-12T00:00:00.000"},
    {"Id": "3", "PostId": "2", "VoteTypeId": "3", "CreationDate": "2018-03-12T00:00:00.000"},
    {"Id": "4", "PostId": "3", "VoteTypeId": "2", "CreationDate": "2018-03-13T00:00:00.000"},
    {"Id": "5", "PostId": "8", "VoteTypeId": "2", "CreationDate": "2018-03-13T00:00:00.000"},
    {
        "Id": "6",
        "PostId": "1",
        "VoteTypeId": "5",
        "CreationDate": "2018-03-13T00:00:00.000",
        "UserId": "11",
    },
]
LINKS = [
    {
        "Id": "1",
        "PostId": "5",
        "RelatedPostId": "1",
        "LinkTypeId": "3",
        "CreationDate": "2018-03-14T09:00:00.000",
    },
    {
        "Id": "2",
        "PostId": "4",
        "RelatedPostId": "1",
        "LinkTypeId": "1",
        "CreationDate": "2018-03-14T09:00:00.000",
    },
    # A second original for the same duplicate: the first link wins.
    {
        "Id": "3",
        "PostId": "5",
        "RelatedPostId": "4",
        "LinkTypeId": "3",
        "CreationDate": "2018-03-14T09:05:00.000",
    },
]


def write_xml(path: Path, root: str, rows: list[dict[str, str]]) -> None:
    """One dump file as Stack Exchange writes it: a BOM, the declaration, one row each."""
    element = ET.Element(root)
    for row in rows:
        ET.SubElement(element, "row", row)
    text = ET.tostring(element, encoding="unicode")
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n{text}', encoding="utf-8-sig")


def write_dump(folder: Path, *, posts=POSTS, comments=COMMENTS, links=LINKS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_xml(folder / "Users.xml", "users", USERS)
    write_xml(folder / "Posts.xml", "posts", posts)
    write_xml(folder / "Comments.xml", "comments", comments)
    write_xml(folder / "Votes.xml", "votes", VOTES)
    write_xml(folder / "PostLinks.xml", "postlinks", links)
    return folder


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_stackexchange", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def dump(tmp_path) -> Path:
    return write_dump(tmp_path / "tiny")


@pytest.fixture
def imported(dump) -> stackexchange.ImportReport:
    return stackexchange.import_dump(dump, product_title="Quantum Computing", progress=False)


def thread_titled(title: str) -> Thread:
    return Thread.objects.get(title=title)


HADAMARD = "What does applying a Hadamard gate twice do?"
QUBIT = "What is a qubit, in plain words?"
TWICE = "Two Hadamard gates in a row"
SIMULATOR = "Which simulator should I start with?"


# --- The tiny dump, exactly -------------------------------------------------------------


def test_import_reports_what_it_made_and_what_it_skipped(imported):
    report = imported
    assert report.product_created
    assert report.product_id == CategoryPage.objects.get(slug="quantum-computing").pk
    assert (report.product_title, report.product_slug) == ("Quantum Computing", "quantum-computing")
    assert (report.threads, report.answers, report.comments) == (4, 3, 5)
    assert report.accepted_answers == 1
    assert report.skipped_empty_questions == 1
    assert report.skipped_empty_answers == 0
    assert report.skipped_with_their_post == 2  # the empty question's answer and comment
    assert report.skipped_answers_without_question == 1
    assert report.skipped_other_posts == 1
    assert report.skipped_comments_on_other_posts == 1
    assert report.tags_dropped == 1  # superconducting-quantum-computing: 33 characters
    assert report.tags_created == 4
    assert (report.duplicate_links, report.duplicate_links_ignored) == (2, 1)
    assert report.duplicates_linked == 1
    assert report.members_created == 5  # Alice, Bob, Bob_2, user13 and the deleted user
    assert report.deleted_user_items == 3
    assert report.fallback_usernames == 1
    assert report.display_names_dropped == 1
    assert report.votes_not_imported == 3  # up and down votes on imported posts only


def test_threads_keep_titles_times_and_the_products_slug(imported):
    product = CategoryPage.objects.get(slug="quantum-computing")
    assert product.title == "Quantum Computing"
    assert set(Thread.objects.values_list("title", flat=True)) == {
        HADAMARD,
        QUBIT,
        TWICE,
        SIMULATOR,
    }
    thread = thread_titled(HADAMARD)
    assert thread.category_id == product.pk
    assert thread.slug == services.thread_slug(HADAMARD)
    assert thread.created_at == at("2018-03-12T17:00:00")
    question = thread.posts.get(kind=Post.Kind.QUESTION)
    assert question.created_at == at("2018-03-12T17:00:00")
    answers = thread.posts.answers().order_by("created_at")
    assert [a.created_at for a in answers] == [at("2018-03-12T18:00:00"), at("2018-03-12T19:00:00")]
    assert not Thread.objects.exclude(state=Visibility.PUBLISHED).exists()
    assert not Post.objects.exclude(state=Visibility.PUBLISHED).exists()
    assert not Comment.objects.exclude(state=Visibility.PUBLISHED).exists()


def test_bodies_become_markdown_rendered_and_sanitised_by_the_forum(imported):
    question = thread_titled(HADAMARD).posts.get(kind=Post.Kind.QUESTION)
    assert "**H**" in question.body_markdown
    assert "```py\nqc.h(0)\nqc.h(0)\n```" in question.body_markdown
    assert question.body_html == rendering.render_post(question.body_markdown)
    assert "<strong>H</strong>" in question.body_html
    assert '<code class="language-py">' in question.body_html
    assert '<a href="https://qiskit.org/docs" rel="nofollow ugc">docs</a>' in question.body_html
    for text in (question.body_markdown, question.body_html):
        assert "<script" not in text
        assert "onclick" not in text
        assert "steal()" not in text
    assert "javascript:" not in question.body_html
    assert "alert" not in question.body_html
    assert thread_titled(HADAMARD).excerpt == rendering.excerpt(question.body_html)
    answer = Post.objects.get(body_markdown__contains="its own inverse")
    assert "<code>H*H = I</code>" in answer.body_html


def test_text_that_looks_like_markdown_shows_as_it_did(imported):
    answer = Post.objects.get(body_markdown__contains="at all")
    assert rendering.plain_text(answer.body_html) == (
        "Nothing at all: it is the identity on <T> [x](y). 1. is not a list here"
    )
    assert "<a " not in answer.body_html
    assert "<ol" not in answer.body_html


def test_comment_text_shows_as_typed(imported):
    comment = Comment.objects.get(body_markdown__contains="Have you tried")
    assert comment.body_html == rendering.render_comment(comment.body_markdown)
    assert "&lt;b&gt;it&lt;/b&gt;" in comment.body_html
    linked = Comment.objects.get(body_markdown__contains="see [the docs]")
    assert '<a href="https://qiskit.org" rel="nofollow ugc">the docs</a>' in linked.body_html
    assert "<code>a&lt;b&gt;c</code>" in linked.body_html


def test_tags_follow_the_forums_rules(imported):
    assert set(thread_titled(HADAMARD).tags.values_list("name", flat=True)) == {
        "quantum-gate",
        "qiskit",
    }
    # "<Quantum-Gate>" is the same tag, normalised.
    assert list(thread_titled(TWICE).tags.values_list("name", flat=True)) == ["quantum-gate"]
    assert dict(Tag.objects.values_list("name", "slug")) == {
        "quantum-gate": "quantum-gate",
        "qiskit": "qiskit",
        "qubit": "qubit",
        "simulation": "simulation",
    }


def test_an_existing_tag_is_reused_and_a_new_one_gets_a_free_slug(dump):
    Tag.objects.create(name="qiskit", slug="qiskit")
    Tag.objects.create(name="qubit!", slug="qubit")  # holds the slug "qubit" would get

    report = stackexchange.import_dump(dump, product_title="Quantum Computing", progress=False)

    assert report.tags_created == 3
    assert Tag.objects.get(name="qubit").slug == "qubit-2"
    assert thread_titled(HADAMARD).tags.filter(name="qiskit", slug="qiskit").exists()


def test_the_accepted_answer_is_set_as_accept_answer_leaves_it(imported):
    thread = thread_titled(HADAMARD)
    accepted = Post.objects.get(body_markdown__contains="its own inverse")
    assert thread.accepted_answer == accepted
    assert thread.accepted_by == thread.author
    # The accept's day started before the answer was posted: the answer's own time.
    assert thread.accepted_at == at("2018-03-12T19:00:00")
    assert thread_titled(QUBIT).accepted_answer is None
    assert thread_titled(QUBIT).accepted_at is None
    assert thread_titled(QUBIT).accepted_by is None


def test_accepting_earns_the_ledger_points_and_the_stored_scores_match(imported):
    thread = thread_titled(HADAMARD)
    answerer = User.objects.get(username="Bob_2")
    asker = thread.author
    rules = reputation.rule_points()
    entries = LedgerEntry.objects.order_by("reason")
    assert [(e.member_id, e.reason, e.points, e.cause) for e in entries] == [
        (asker.pk, Reason.ACCEPT_GIVEN, rules[Reason.ACCEPT_GIVEN], Cause.ANSWER_ACCEPTED),
        (answerer.pk, Reason.ANSWER_ACCEPTED, rules[Reason.ANSWER_ACCEPTED], Cause.ANSWER_ACCEPTED),
    ]
    assert {e.post_id for e in entries} == {thread.accepted_answer_id}
    assert {(e.actor_id, e.thread_id, e.product_id) for e in entries} == {
        (asker.pk, thread.pk, thread.category_id)
    }
    assert {e.created_at for e in entries} == {thread.accepted_at}
    answerer.refresh_from_db()
    assert answerer.reputation == rules[Reason.ANSWER_ACCEPTED]
    assert reputation.accepted_answer_counts([answerer.pk]) == {answerer.pk: 1}
    out = StringIO()
    call_command("rebuild_reputation", "--check", stdout=out)
    assert "every stored reputation equals its ledger sum" in out.getvalue()
    assert reputation.recompute_trust_levels() == 0


def test_scores_and_votes_are_not_imported(imported):
    assert not Vote.objects.exists()
    assert set(Post.objects.values_list("score", flat=True)) == {0}
    assert set(Thread.objects.values_list("vote_count", flat=True)) == {0}


def test_counters_are_what_the_services_would_store(imported):
    thread = thread_titled(HADAMARD)
    assert thread.answer_count == 2
    assert thread.first_answer_at == at("2018-03-12T18:00:00")
    assert thread.staff_answered_at is None
    # Bob's comment on the question is a reply; Alice's own is not.
    assert thread.others_comment_count == 1
    # The latest activity: Alice's thanks, after the accept (not LastActivityDate).
    assert thread.last_activity_at == at("2018-03-13T12:00:00")
    question = thread.posts.get(kind=Post.Kind.QUESTION)
    assert (question.comment_count, question.version) == (2, 3)
    accepted = Post.objects.get(pk=thread.accepted_answer_id)
    assert (accepted.comment_count, accepted.version) == (1, 2)
    unanswered = thread_titled(SIMULATOR)
    assert (unanswered.answer_count, unanswered.first_answer_at) == (0, None)
    assert unanswered.last_activity_at == unanswered.created_at


def test_a_duplicate_is_closed_and_locked_as_close_as_duplicate_leaves_it(imported):
    duplicate, original = thread_titled(TWICE), thread_titled(HADAMARD)
    assert duplicate.duplicate_of == original
    assert duplicate.is_locked
    assert duplicate.close_reason == duplicate.lock_reason == stackexchange.DUPLICATE_REASON
    assert duplicate.closed_by is None
    assert duplicate.locked_by is None
    # Closed at 09:00 on Stack Exchange, commented on at 10:00: nothing happens in a
    # locked thread here, so the close moves to the last activity.
    assert duplicate.closed_at == duplicate.locked_at == at("2018-03-14T10:00:00")
    assert duplicate.last_activity_at == at("2018-03-14T10:00:00")
    assert list(original.duplicates.all()) == [duplicate]
    assert Thread.objects.filter(is_locked=True).count() == 1
    assert Thread.objects.filter(duplicate_of__isnull=False).count() == 1


def test_a_duplicate_of_a_duplicate_points_to_the_first_original(tmp_path):
    links = [
        {
            "Id": "1",
            "PostId": "5",
            "RelatedPostId": "4",
            "LinkTypeId": "3",
            "CreationDate": "2018-03-14T09:00:00.000",
        },
        {
            "Id": "2",
            "PostId": "4",
            "RelatedPostId": "1",
            "LinkTypeId": "3",
            "CreationDate": "2018-03-14T09:30:00.000",
        },
    ]
    folder = write_dump(tmp_path / "chain", links=links)

    report = stackexchange.import_dump(folder, product_title="Quantum", progress=False)

    assert report.duplicates_linked == 2
    assert thread_titled(QUBIT).duplicate_of == thread_titled(HADAMARD)
    assert thread_titled(TWICE).duplicate_of == thread_titled(HADAMARD)
    # The question 4 was not closed on Stack Exchange: the link's time, or its activity.
    assert thread_titled(QUBIT).closed_at == at("2018-03-14T09:30:00")


def test_posts_without_an_owner_go_to_the_deleted_user_account(imported):
    deleted = User.objects.get(username=stackexchange.DELETED_USERNAME)
    assert not deleted.is_active
    assert not deleted.has_usable_password()
    assert deleted.display_name == stackexchange.DELETED_DISPLAY_NAME
    thread = thread_titled(QUBIT)
    assert thread.author == deleted
    assert Post.objects.get(body_markdown__contains="two-level").author == deleted
    assert Comment.objects.get(body_markdown="Anyone?").author == deleted
    # The asker's own comment, as the services count it: not a reply by someone else.
    assert thread.others_comment_count == 0


def test_the_deleted_user_account_is_shared_by_imports(dump, tmp_path):
    stackexchange.import_dump(dump, product_title="Quantum Computing", progress=False)
    other = write_dump(tmp_path / "other")

    report = stackexchange.import_dump(other, product_title="Quantum Again", progress=False)

    assert report.members_created == 4
    assert User.objects.filter(username=stackexchange.DELETED_USERNAME).count() == 1


def test_members_get_valid_unique_names_and_no_way_to_log_in(imported):
    members = {
        u.username: u
        for u in User.objects.exclude(username=stackexchange.DELETED_USERNAME).prefetch_related(
            "groups"
        )
    }
    assert set(members) == {"Alice_Quantum", "Bob", "Bob_2", "user13"}
    assert members["Alice_Quantum"].display_name == "Alice Quantum"
    assert members["Bob"].display_name == members["Bob_2"].display_name == "Bob"
    # "Support" is kept for the company: neither the username nor the display name.
    assert members["user13"].display_name == ""
    assert members["Alice_Quantum"].date_joined == at("2018-03-01T10:00:00")
    for member in members.values():
        assert not member.has_usable_password()
        assert member.email == ""
        assert member.is_active
        assert member.role_names == {Role.CUSTOMER.value}
        assert not member.is_staff_member
        assert member.username_skeleton


def test_a_username_that_looks_like_a_members_gets_a_suffix(dump):
    User.objects.create(username="b0b")  # "b0b" looks like "Bob" (the same skeleton)

    stackexchange.import_dump(dump, product_title="Quantum Computing", progress=False)

    assert thread_titled(TWICE).author.username == "Bob_2"
    assert User.objects.filter(username__in=["Bob_2", "Bob_3"]).count() == 2
    assert not User.objects.filter(username="Bob").exists()


def test_limit_imports_the_first_questions_with_their_answers(dump):
    report = stackexchange.import_dump(
        dump, product_title="Quantum Computing", limit=2, progress=False
    )

    assert set(Thread.objects.values_list("title", flat=True)) == {HADAMARD, QUBIT}
    assert (report.threads, report.answers, report.comments) == (2, 3, 4)
    assert report.duplicate_links == 0
    assert not User.objects.filter(username="user13").exists()


def test_a_second_import_into_the_same_product_is_refused(dump):
    run(dump, "--product", "Quantum Computing", "--no-progress")
    counts = (User.objects.count(), Thread.objects.count(), LedgerEntry.objects.count())

    with pytest.raises(
        CommandError, match=r'"Quantum Computing".*already holds 4 threads.*--product'
    ):
        run(dump, "--product", "Quantum Computing", "--no-progress")

    assert (User.objects.count(), Thread.objects.count(), LedgerEntry.objects.count()) == counts


def test_a_product_with_threads_is_refused_when_found_by_its_title(dump):
    product = make_category("Quantum Computing", slug="qc")
    make_thread(category=product)

    with pytest.raises(CommandError, match="already holds 1 threads"):
        run(dump, "--product", "Quantum Computing", "--slug", "quantum", "--no-progress")

    assert Thread.objects.count() == 1


def test_an_existing_empty_product_is_used(dump):
    product = make_category("Qubits", slug="qubits")

    out, _err = run(dump, "--product", "Anything", "--slug", "qubits", "--no-progress")

    assert Thread.objects.filter(category=product).count() == 4
    assert CategoryPage.objects.filter(slug="qubits").count() == 1
    assert '"Qubits" (/c/qubits/, found)' in out


def test_a_folder_without_a_dump_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"holds no Posts\.xml"):
        run(tmp_path, "--product", "Quantum Computing", "--no-progress")

    assert not CategoryPage.objects.filter(slug="quantum-computing").exists()


def test_the_command_prints_a_summary_and_progress_on_stderr(dump):
    out, err = run(dump, "--product", "Quantum Computing")

    assert '"Quantum Computing" (/c/quantum-computing/, made)' in out
    assert "  threads: 4\n" in out
    assert "  duplicates linked: 1\n" in out
    assert "Converting posts" in err
    assert "Writing threads" in err
    assert "Converting posts" not in out


def test_no_progress_writes_nothing_on_stderr(dump):
    _out, err = run(dump, "--product", "Quantum Computing", "--no-progress")

    assert err == ""


def test_the_import_takes_a_fixed_number_of_queries(tmp_path):
    def queries(posts) -> int:
        folder = write_dump(tmp_path / f"dump{len(posts)}", posts=posts, links=[])
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            stackexchange.import_dump(folder, product_title="Quantum", progress=False)
            transaction.set_rollback(True)  # the second import starts from the same rows
        return len(captured.captured_queries)

    more = [
        {**post, "Id": str(1000 + n), "Title": f"{post['Title']} ({n})"}
        for n in range(30)
        for post in POSTS[:1]
    ]

    queries(POSTS)  # warms what is looked up once per process (content types, caches)
    assert queries(POSTS) == queries(POSTS + more)


# --- The real quantumcomputing dump -------------------------------------------------------


def assert_counters_equal_a_recount(product: CategoryPage) -> None:
    """Every stored counter of *product*'s threads, posts and comments against a recount
    of the rows (answer and comment counts, replies, times, accepted answers, locks)."""
    threads = {t.pk: t for t in Thread.objects.filter(category=product)}
    posts = list(Post.objects.filter(thread__category=product))
    comments = list(Comment.objects.filter(post__thread__category=product))
    posts_by_id = {p.pk: p for p in posts}
    thread_posts = defaultdict(list)
    for post in posts:
        thread_posts[post.thread_id].append(post)
    post_comments = defaultdict(list)
    for comment in comments:
        post_comments[comment.post_id].append(comment)

    for post in posts:
        shown = [c for c in post_comments[post.pk] if c.is_published]
        assert post.comment_count == len(shown), post
        assert post.version == 1 + len(post_comments[post.pk]), post
        assert post.score == 0, post
        assert post.body_html == rendering.render_post(post.body_markdown), post
        for comment in post_comments[post.pk]:
            assert comment.created_at >= post.created_at, comment
    for thread in threads.values():
        (question,) = [p for p in thread_posts[thread.pk] if p.is_question]
        answers = sorted(
            (p for p in thread_posts[thread.pk] if not p.is_question and p.is_published),
            key=lambda p: (p.created_at, p.pk),
        )
        assert thread.answer_count == len(answers), thread
        assert thread.first_answer_at == (answers[0].created_at if answers else None), thread
        assert thread.staff_answered_at is None
        assert thread.vote_count == 0
        assert thread.created_at == question.created_at, thread
        assert all(a.created_at >= question.created_at for a in answers), thread
        others = [
            c
            for c in post_comments[question.pk]
            if c.is_published and c.author_id != thread.author_id
        ]
        assert thread.others_comment_count == len(others), thread
        assert thread.slug == services.thread_slug(thread.title)
        assert thread.excerpt == rendering.excerpt(question.body_html)
        activity = [p.created_at for p in thread_posts[thread.pk]]
        activity += [c.created_at for p in thread_posts[thread.pk] for c in post_comments[p.pk]]
        if thread.accepted_at:
            activity.append(thread.accepted_at)
        assert thread.last_activity_at == max(activity), thread
        if thread.accepted_answer_id is not None:
            accepted = posts_by_id[thread.accepted_answer_id]
            assert accepted.thread_id == thread.pk, thread
            assert accepted in answers, thread
            assert thread.accepted_by_id == thread.author_id, thread
            assert thread.accepted_at >= accepted.created_at, thread
        else:
            assert (thread.accepted_at, thread.accepted_by_id) == (None, None), thread
        if thread.is_locked:
            assert thread.locked_at >= thread.last_activity_at, thread
        if thread.duplicate_of_id is not None:
            original = threads[thread.duplicate_of_id]
            assert original.duplicate_of_id is None, thread
            assert thread.is_locked
            assert thread.closed_at == thread.locked_at


@pytest.mark.skipif(not QUANTUM.exists(), reason="the shared quantumcomputing dump is not here")
def test_the_quantumcomputing_dump_imports_with_honest_counters():
    out, _err = run(QUANTUM, "--product", "Quantum Computing", "--no-progress")

    product = CategoryPage.objects.get(slug="quantum-computing")
    threads = Thread.objects.filter(category=product)
    # The README's counts: nothing is empty, so nothing is skipped.
    assert "  skipped empty questions: 0\n" in out
    assert "  skipped empty answers: 0\n" in out
    assert "  skipped answers without question: 0\n" in out
    assert threads.count() == 612
    assert Post.objects.filter(thread__category=product).answers().count() == 1060
    assert Comment.objects.filter(post__thread__category=product).count() == 3413
    assert threads.solved().count() == 389
    # 11 duplicate links between two present questions; one question has two originals.
    assert "  duplicate links: 11\n" in out
    assert "  duplicate links ignored: 1\n" in out
    assert threads.filter(duplicate_of__isnull=False).count() == 10
    # The one tag longer than the forum allows, on 10 questions.
    assert "  tags dropped: 10\n" in out
    assert not Tag.objects.filter(name="superconducting-quantum-computing").exists()
    assert Tag.objects.filter(threads__category=product).distinct().count() == 153
    # One question and one answer have no owner, and one comment.
    assert "  deleted user items: 3\n" in out
    assert_counters_equal_a_recount(product)
    check = StringIO()
    call_command("rebuild_reputation", "--check", stdout=check)
    assert "every stored reputation equals its ledger sum" in check.getvalue()
    assert reputation.recompute_trust_levels() == 0
    accepted_points = LedgerEntry.objects.filter(reason=Reason.ANSWER_ACCEPTED).count()
    self_answers = threads.solved().filter(accepted_answer__author=F("author")).count()
    assert self_answers > 0
    assert accepted_points == 389 - self_answers


def test_imported_threads_show_on_the_site(imported, client):
    product = CategoryPage.objects.get(slug="quantum-computing")
    listing = client.get(product.url)
    assert listing.status_code == 200
    for title in (HADAMARD, QUBIT, TWICE, SIMULATOR):
        assert title in listing.content.decode()
    for title in (HADAMARD, QUBIT, TWICE):
        page = client.get(thread_titled(title).get_absolute_url())
        assert page.status_code == 200, title
    page = client.get(thread_titled(HADAMARD).get_absolute_url()).content.decode()
    assert "H is its own inverse" in page
    assert "&lt;b&gt;it&lt;/b&gt;" in page
    assert "steal()" not in page


# --- Found on the way ---------------------------------------------------------------------


def test_hiding_the_latest_answer_takes_its_time_out_of_the_threads_activity(
    thread, question, answer, brand_rep
):
    from moderation import services as moderation

    thread.refresh_from_db()
    assert thread.last_activity_at == answer.created_at  # the answer was the latest activity

    moderation.hide_post(answer, moderator=brand_rep, reason="Spam.")

    # What the import (and test_seed_demo's recount) take as the last activity: the
    # latest that visitors can see, here the question.
    thread.refresh_from_db()
    assert thread.last_activity_at == question.created_at
