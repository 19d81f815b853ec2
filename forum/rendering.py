"""Markdown to safe HTML. The only module that imports bleach.

Posts are rendered once, when saved; the raw Markdown is kept so the HTML can be
rebuilt (``manage.py rerender_posts``) when this allow-list changes.
"""

import html
import re
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

POST_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "b",
        "i",
        "del",
        "s",
        "sup",
        "sub",
        "kbd",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
POST_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "img": ["src", "alt", "title"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
    "code": ["class"],
}
COMMENT_TAGS = frozenset({"a", "strong", "em", "b", "i", "code", "del", "s", "kbd"})
COMMENT_ATTRIBUTES = {"a": ["href", "title", "rel"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})


def _nofollow_ugc(attrs: dict, new: bool = False) -> dict:
    """Every link in user content tells search engines it is user-generated."""
    attrs[(None, "rel")] = "nofollow ugc"
    return attrs


def _cleaner(tags: frozenset[str], attributes: dict) -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=tags,
        attributes=attributes,
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[_nofollow_ugc], skip_tags=["pre", "code"])],
    )


_post_cleaner = _cleaner(POST_TAGS, POST_ATTRIBUTES)
_comment_cleaner = _cleaner(COMMENT_TAGS, COMMENT_ATTRIBUTES)
_MARKDOWN_EXTENSIONS = ["fenced_code", "sane_lists", "tables"]


def _markdown_to_html(text: str) -> str:
    # A new Markdown instance per call: instances keep state between conversions.
    return markdown.markdown(text, extensions=_MARKDOWN_EXTENSIONS, output_format="html")


def render_post(text: str) -> str:
    """Markdown of a question or answer to sanitised HTML."""
    return _post_cleaner.clean(_markdown_to_html(text))


def render_comment(text: str) -> str:
    """Markdown of a comment to sanitised inline HTML (no blocks, no images)."""
    rendered = _markdown_to_html(text)
    rendered = re.sub(r"</p>\s*<p>", " ", rendered)
    return _comment_cleaner.clean(rendered).strip()


def plain_text(rendered_html: str) -> str:
    """Visible text of sanitised HTML, unescaped: templates escape it again on output."""
    text = bleach.clean(rendered_html, tags=set(), strip=True, strip_comments=True)
    return " ".join(html.unescape(text).split())


def excerpt(rendered_html: str, length: int = 240) -> str:
    text = plain_text(rendered_html)
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"
