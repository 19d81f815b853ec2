import pytest
from django.core.management import call_command

from forum.models import Comment, Post
from forum.services import post_comment

pytestmark = pytest.mark.django_db


def test_rerender_posts_rebuilds_html_and_excerpt_from_the_kept_markdown(thread, answer):
    comment = post_comment(answer, author=thread.author, body="see **this**")
    Post.objects.update(body_html="<p>stale</p>")
    Comment.objects.update(body_html="stale")
    type(thread).objects.update(excerpt="stale")

    call_command("rerender_posts", "--batch-size", "1")

    answer.refresh_from_db()
    comment.refresh_from_db()
    thread.refresh_from_db()
    assert "ten seconds" in answer.body_html
    assert comment.body_html == "see <strong>this</strong>"
    assert thread.excerpt.startswith("Since the last firmware update")
