import pytest
from django.core.management import call_command

from forum.models import Comment, Post
from forum.services import post_comment

pytestmark = pytest.mark.django_db

# What the renderer before markdown-it stored for ``![x](https://tracker.example/p.png)``
# and for a code element borrowing the site's badge styles.
OLD_IMAGE_HTML = '<p><img alt="x" src="https://tracker.example/p.png"></p>'
OLD_BADGE_HTML = '<p><code class="badge badge-staff">Staff</code></p>'


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


def test_rerender_posts_applies_the_current_rules_to_stored_html(question, answer):
    Post.objects.filter(pk=question.pk).update(
        body_markdown="![x](https://tracker.example/p.png)", body_html=OLD_IMAGE_HTML
    )
    Post.objects.filter(pk=answer.pk).update(
        body_markdown='<code class="badge badge-staff">Staff</code>', body_html=OLD_BADGE_HTML
    )

    call_command("rerender_posts")

    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.body_html == (
        '<p><a href="https://tracker.example/p.png" rel="nofollow ugc noopener">x</a></p>'
    )
    assert answer.body_html == "<p><code>Staff</code></p>"


def test_cached_thread_page_shows_the_rerendered_html(client, thread, question, settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    Post.objects.filter(pk=question.pk).update(
        body_markdown="![x](https://tracker.example/p.png)", body_html=OLD_IMAGE_HTML
    )
    before = client.get(thread.get_absolute_url()).content.decode()
    assert 'src="https://tracker.example/p.png"' in before, "the page is kept with the old HTML"
    version = Post.objects.get(pk=question.pk).version

    call_command("rerender_posts")

    after = client.get(thread.get_absolute_url()).content.decode()
    assert 'src="https://tracker.example/p.png"' not in after
    assert 'href="https://tracker.example/p.png"' in after
    assert Post.objects.get(pk=question.pk).version > version, "post fragments are rebuilt"
