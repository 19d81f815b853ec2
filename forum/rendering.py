"""Markdown to safe HTML. The only module that imports bleach.

Posts are rendered once, when saved; the raw Markdown is kept so the HTML can be
rebuilt (``manage.py rerender_posts``) when this allow-list changes. See
docs/content-rendering.md.

Every step takes time linear in the text, so a hostile post of the maximum length
renders in about the time of a realistic one (tests/forum/test_markdown_dos.py):

1. markdown-it-py parses CommonMark (plus tables and strikethrough) in linear time.
2. ``_well_formed`` rewrites its HTML, raw HTML included, into properly nested elements
   of the allow-list at most ``MAX_DEPTH`` deep. html5lib, which bleach parses with,
   spends time in proportion to the depth of open elements on every token, so deep or
   unclosed nesting (``<b>`` 7,000 times) would otherwise cost quadratic time.
3. bleach sanitises against the allow-list: it stays the one judge of what is safe.
4. ``_UserContentFilter`` marks links, turns bare URLs into links (bleach's own
   linkifier is quadratic on some text) and shows images from other hosts as links.
"""

import html
import re
import threading
from collections.abc import Collection, Iterator, Mapping
from urllib.parse import unquote, urlsplit

import bleach
from bleach import html5lib_shim
from bleach.html5lib_shim import Filter
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

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
    "code": ["class"],  # only a language-* class: see is_allowed_code_class
}
COMMENT_TAGS = frozenset({"a", "strong", "em", "b", "i", "code", "del", "s", "kbd"})
COMMENT_ATTRIBUTES = {"a": ["href", "title", "rel"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})

LINK_REL = "nofollow ugc"
# An image from another host is shown as a link to it (never loaded by the reader).
IMAGE_LINK_REL = "nofollow ugc noopener"
# Deeper elements are dropped (their text is kept). Markdown itself nests at most 20
# blocks (markdown-it's maxNesting), a list level being two elements.
MAX_DEPTH = 48

# The fenced-code convention (``language-python``) that highlighters read. The site's own
# stylesheet uses one class of this shape, which a member must not borrow.
LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]+")
SITE_LANGUAGE_CLASSES = frozenset({"language-nav"})


def is_allowed_code_class(value: str) -> bool:
    """A ``class`` on ``<code>`` names one language and none of the site's own classes."""
    return LANGUAGE_CLASS.fullmatch(value) is not None and value not in SITE_LANGUAGE_CLASSES


# --- Markdown --------------------------------------------------------------------------------

_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\xa0\s`]+")


def _has_allowed_scheme(url: str) -> bool:
    """Whether *url*, read the way a browser reads it, is relative or uses an allowed scheme."""
    plain = _URL_NOISE.sub("", html.unescape(unquote(url))).lower()
    scheme = _SCHEME.match(plain)
    return scheme is None or scheme.group(1) in PROTOCOLS


def _tidy_tokens(state: StateCore) -> None:
    """Drop script and data URLs from links and images, the way bleach drops them from
    raw HTML (a link whose target is refused keeps its text); table alignment as the
    ``align`` attribute, since ``style`` is not allowed."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrs.pop("style", ""))
            if style.startswith("text-align:"):
                token.attrs["align"] = style.removeprefix("text-align:")
        for child in token.children or ():
            for name in ("href", "src"):
                url = child.attrs.get(name)
                if url is not None and not _has_allowed_scheme(str(url)):
                    del child.attrs[name]


def _post_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    parser.core.ruler.push("tidy_tokens", _tidy_tokens)
    # Every link is built, and bleach and _tidy_tokens judge its URL: one rule for all.
    parser.validateLink = lambda url: True
    return parser


def _comment_parser() -> MarkdownIt:
    """Comments are inline: paragraphs only, no headings, lists, quotes or code blocks."""
    parser = MarkdownIt("commonmark").enable("strikethrough")
    parser.block.ruler.disable(
        [
            "code",
            "fence",
            "blockquote",
            "hr",
            "list",
            "reference",
            "html_block",
            "heading",
            "lheading",
        ]
    )
    parser.core.ruler.push("tidy_tokens", _tidy_tokens)
    parser.validateLink = lambda url: True
    return parser


_post_markdown = _post_parser()
_comment_markdown = _comment_parser()


# --- Well-formed, shallow HTML ---------------------------------------------------------------

_SPACE = "[ \t\n\f\r]"
_ATTRIBUTE = (
    rf"{_SPACE}+([^ \t\n\f\r\"'<>/=]+)"
    rf"(?:{_SPACE}*={_SPACE}*(\"[^\"]*\"|'[^']*'|[^ \t\n\f\r\"'=<>`]+))?"
)
# A complete start or end tag. Names and unquoted values cannot hold "<", so a failed match
# stops at the next "<" (or the end of a quoted value): the scan stays linear.
_TAG = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:{_ATTRIBUTE})*){_SPACE}*/?>")
_ATTRIBUTES = re.compile(_ATTRIBUTE)
_VOID = frozenset({"br", "hr", "img"})
# What a table part may hold directly. Anything else there would be moved out in front of
# the table by the parser ("foster parenting"), at a cost that grows with the siblings.
_TABLE_CHILDREN = {
    "table": frozenset({"thead", "tbody", "tr"}),
    "thead": frozenset({"tr"}),
    "tbody": frozenset({"tr"}),
    "tr": frozenset({"th", "td"}),
}


def _kept_attributes(tag: str, text: str, allowed: Mapping[str, Collection[str]]) -> str:
    names = allowed.get(tag, ())
    kept: dict[str, str] = {}
    for match in _ATTRIBUTES.finditer(text):
        name, value = match.group(1).lower(), match.group(2) or ""
        if name in names and name not in kept:
            if value[:1] in ('"', "'"):
                value = value[1:-1]
            kept[name] = value.replace('"', "&quot;")
    return "".join(f' {name}="{value}"' for name, value in kept.items())


def _well_formed(
    source: str, tags: Collection[str], attributes: Mapping[str, Collection[str]]
) -> str:
    """*source* as properly nested elements of *tags*, at most MAX_DEPTH deep.

    Comments, declarations and tags outside *tags* are dropped (bleach would strip them
    too), a "<" that starts no tag becomes text, end tags close what was opened after
    their element and end tags without one are dropped; a table part keeps only its own
    parts and white space. Linear in *source*.
    """
    out: list[str] = []
    stack: list[str] = []

    def text(chunk: str) -> None:
        if stack and stack[-1] in _TABLE_CHILDREN and chunk.strip(" \t\n\f\r"):
            return
        out.append(chunk)

    position = 0
    while (start := source.find("<", position)) >= 0:
        text(source[position:start])
        if source.startswith("<!--", start):
            end = source.find("-->", start + 2)  # "<!-->" is a whole comment, too
            position = len(source) if end < 0 else end + 3
            continue
        if source.startswith(("<!", "<?"), start):
            end = source.find(">", start + 2)
            position = len(source) if end < 0 else end + 1
            continue
        match = _TAG.match(source, start)
        if match is None:
            text("&lt;")
            position = start + 1
            continue
        position = match.end()
        is_end, name = match.group(1), match.group(2).lower()
        if name not in tags:
            continue
        if not is_end and stack and name not in _TABLE_CHILDREN.get(stack[-1], (name,)):
            continue
        if is_end:
            if name in stack:
                while (opened := stack.pop()) != name:
                    out.append(f"</{opened}>")
                out.append(f"</{name}>")
            continue
        if name not in _VOID:
            if len(stack) >= MAX_DEPTH:
                continue
            stack.append(name)
        out.append(f"<{name}{_kept_attributes(name, match.group(3), attributes)}>")
    text(source[position:])
    out.extend(f"</{name}>" for name in reversed(stack))
    return "".join(out)


class _TreeWalker(html5lib_shim.getTreeWalker("etree")):
    """html5lib's etree walker, but it keeps each ancestor's place among its siblings.

    The original finds it again on the way up by searching the siblings (``list.index``),
    which costs time quadratic in the number of siblings (paragraphs, list items, rows).
    Nodes are (element, index, ancestors, flag) as there; ancestors are (element, index).
    """

    def getFirstChild(self, node):  # noqa: N802 (html5lib's name)
        if isinstance(node, tuple):
            element, key, parents, flag = node
        else:
            element, key, parents, flag = node, None, [], None
        if flag in ("text", "tail"):
            return None
        if element.text:
            return element, key, parents, "text"
        if len(element):
            parents.append((element, key))
            return element[0], 0, parents, None
        return None

    def getNextSibling(self, node):  # noqa: N802
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            if len(element):
                parents.append((element, key))
                return element[0], 0, parents, None
            return None
        if element.tail and flag != "tail":
            return element, key, parents, "tail"
        siblings = parents[-1][0]
        if key < len(siblings) - 1:
            return siblings[key + 1], key + 1, parents, None
        return None

    def getParentNode(self, node):  # noqa: N802
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            return element if not parents else (element, key, parents, None)
        parent, parent_key = parents.pop()
        return parent if not parents else (parent, parent_key, parents, None)


# --- After bleach: links, bare URLs and images ------------------------------------------------

# A bare URL: "http://", "https://" or "www." at the start of a word, up to a space or "<".
_BARE_URL = re.compile(r"(?<![\w.@/-])(?:https?://|www\.)[^\s<>\"`]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,:;!?*_~'\""


def _url_end(url: str) -> int:
    """Where a bare URL ends: without trailing punctuation or an unmatched ")"."""
    end = len(url)
    unmatched = url.count(")") - url.count("(")
    while end:
        last = url[end - 1]
        if last in _TRAILING_PUNCTUATION or (last == ")" and unmatched > 0):
            unmatched -= last == ")"
            end -= 1
        else:
            break
    return end


_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def _site_origin() -> tuple[str, str, int | None]:
    site = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    return site.scheme, (site.hostname or ""), site.port


def _is_on_site(url: str, site: tuple[str, str, int | None]) -> bool:
    """Whether a browser loads *url* (an attribute value) from the site itself."""
    # As browsers read it: entities decoded, tabs and newlines dropped, "\" as "/".
    plain = re.sub(r"[\t\n\r]", "", html.unescape(url)).strip(_C0_AND_SPACE).replace("\\", "/")
    if any(ord(char) < 0x20 for char in plain):
        return False
    try:
        parts = urlsplit(plain)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # an unreadable host or port
        return False
    if not parts.scheme and not parts.netloc and not plain.startswith("//"):
        return True  # a path on this site
    scheme, host, site_port = site
    site_port = site_port or {"http": 80, "https": 443}.get(scheme)
    return parts.scheme in ("http", "https") and parts.hostname == host and port == site_port


class _UserContentFilter(Filter):
    """Runs after bleach's sanitiser: every link gets ``rel="nofollow ugc"``, bare URLs
    outside links and code become links, images from other hosts become links."""

    def __iter__(self) -> Iterator[dict]:
        site = _site_origin()
        in_link = in_code = 0
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if kind == "StartTag" and name == "a":
                in_link += 1
                token["data"][(None, "rel")] = LINK_REL
            elif kind == "EndTag" and name == "a":
                in_link = max(in_link - 1, 0)
            elif kind == "StartTag" and name in ("pre", "code"):
                in_code += 1
            elif kind == "EndTag" and name in ("pre", "code"):
                in_code = max(in_code - 1, 0)
            elif kind == "EmptyTag" and name == "img":
                src = token["data"].get((None, "src"))
                if src and not _is_on_site(src, site):
                    yield from self._image_as_link(token, src, in_link > 0)
                    continue
            elif kind == "Characters" and not in_link and not in_code:
                yield from self._linkified(token["data"])
                continue
            yield token

    @staticmethod
    def _image_as_link(token: dict, src: str, in_link: bool) -> Iterator[dict]:
        alt = token["data"].get((None, "alt")) or ""
        text = html.unescape(alt.strip() or src)
        if in_link:  # a link cannot hold another one: the image's text stays in the link
            yield {"type": "Characters", "data": text}
            return
        attributes = {(None, "href"): src, (None, "rel"): IMAGE_LINK_REL}
        if title := token["data"].get((None, "title")):
            attributes[(None, "title")] = title
        yield {"type": "StartTag", "name": "a", "namespace": None, "data": attributes}
        yield {"type": "Characters", "data": text}
        yield {"type": "EndTag", "name": "a", "namespace": None}

    @staticmethod
    def _linkified(text: str) -> Iterator[dict]:
        position = 0
        for match in _BARE_URL.finditer(text):
            url = match.group()[: _url_end(match.group())]
            if "." not in url.split("//", 1)[-1]:
                continue
            if match.start() > position:
                yield {"type": "Characters", "data": text[position : match.start()]}
            href = url if "://" in url else f"https://{url}"
            attributes = {(None, "href"): href, (None, "rel"): LINK_REL}
            yield {"type": "StartTag", "name": "a", "namespace": None, "data": attributes}
            yield {"type": "Characters", "data": url}
            yield {"type": "EndTag", "name": "a", "namespace": None}
            position = match.start() + len(url)
        if position < len(text):
            yield {"type": "Characters", "data": text[position:]}


# --- Sanitising ------------------------------------------------------------------------------


def _attribute_check(allowed: Mapping[str, Collection[str]]):
    def is_allowed(tag: str, name: str, value: str) -> bool:
        if name not in allowed.get(tag, ()):
            return False
        return is_allowed_code_class(value) if (tag, name) == ("code", "class") else True

    return is_allowed


def _cleaner(tags: frozenset[str], attributes: dict) -> bleach.Cleaner:
    cleaner = bleach.Cleaner(
        tags=tags,
        attributes=_attribute_check(attributes),
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_UserContentFilter],
    )
    cleaner.walker = _TreeWalker
    return cleaner


# A bleach Cleaner keeps parser state while it cleans: one per thread.
_cleaners = threading.local()


def _post_cleaner() -> bleach.Cleaner:
    if (cleaner := getattr(_cleaners, "post", None)) is None:
        cleaner = _cleaners.post = _cleaner(POST_TAGS, POST_ATTRIBUTES)
    return cleaner


def _comment_cleaner() -> bleach.Cleaner:
    if (cleaner := getattr(_cleaners, "comment", None)) is None:
        cleaner = _cleaners.comment = _cleaner(COMMENT_TAGS, COMMENT_ATTRIBUTES)
    return cleaner


def render_post(text: str) -> str:
    """Markdown of a question or answer to sanitised HTML."""
    rendered = _well_formed(_post_markdown.render(text), POST_TAGS, POST_ATTRIBUTES)
    return _post_cleaner().clean(rendered).strip()


def render_comment(text: str) -> str:
    """Markdown of a comment to sanitised inline HTML (no blocks, no images)."""
    rendered = re.sub(r"</p>\s*<p>", " ", _comment_markdown.render(text))
    rendered = _well_formed(rendered, COMMENT_TAGS, COMMENT_ATTRIBUTES)
    return _comment_cleaner().clean(rendered).strip()


def plain_text(rendered_html: str) -> str:
    """Visible text of sanitised HTML, unescaped: templates escape it again on output."""
    text = bleach.clean(rendered_html, tags=set(), strip=True, strip_comments=True)
    return " ".join(html.unescape(text).split())


def excerpt(rendered_html: str, length: int = 240) -> str:
    text = plain_text(rendered_html)
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"


# A start tag of a link or an image in HTML this module produced: its text is escaped
# ("<" only ever starts a tag), so a tag name is all there is to find.
_LINK_OR_IMAGE = re.compile(r"<(a|img)\b([^>]*)>")
_TARGET = re.compile(r'\b(?:href|src)="([^"]*)"')


def link_targets(rendered_html: str) -> list[str]:
    """The targets of the links and images in sanitised HTML (``render_post`` or
    ``render_comment``), in order; "" for a link whose target was dropped."""
    targets = []
    for match in _LINK_OR_IMAGE.finditer(rendered_html):
        target = _TARGET.search(match.group(2))
        targets.append(html.unescape(target.group(1)) if target else "")
    return targets


def has_links(rendered_html: str) -> bool:
    """Whether sanitised HTML shows a link or an image (images from other hosts are
    links already): what members need the "post links and images" privilege for."""
    return _LINK_OR_IMAGE.search(rendered_html) is not None
