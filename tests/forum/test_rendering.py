"""forum.rendering: Markdown in, sanitised HTML out, for posts and for comments."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

try:
    import html5lib
except ImportError:  # bleach vendors html5lib; borrow its parser when it is not installed alone
    from bleach._vendor import html5lib

from forum import rendering

BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "&#106;avascript:alert(1)",
    " javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
]


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    return next(parent for parent in here.parents if (parent / "manage.py").is_file())


def _fragment(html: str) -> ET.Element:
    return html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)


def _elements(html: str) -> list[ET.Element]:
    """The elements of an HTML fragment as a browser would build them, comments excluded."""
    root = _fragment(html)
    return [el for el in root.iter() if el is not root and isinstance(el.tag, str)]


def _tags(html: str) -> set[str]:
    return {el.tag for el in _elements(html)}


def _links(html: str) -> list[ET.Element]:
    return [el for el in _elements(html) if el.tag == "a"]


# --- Allowed Markdown survives ---------------------------------------------------------------


def test_render_post_keeps_bold_and_italic():
    html = rendering.render_post("**bold** and *slanted*")

    assert html == "<p><strong>bold</strong> and <em>slanted</em></p>"


def test_render_post_keeps_fenced_code_with_its_language_and_escapes_the_code():
    html = rendering.render_post("```python\nprint('<b>hi</b>')\n```")

    (pre,) = [el for el in _elements(html) if el.tag == "pre"]
    code = pre.find("code")
    assert code.get("class") == "language-python"
    assert code.text == "print('<b>hi</b>')\n"
    assert list(code) == [], "markup inside a code block stays text"


def test_render_post_keeps_inline_code():
    assert rendering.render_post("run `make test` first") == (
        "<p>run <code>make test</code> first</p>"
    )


def test_render_post_keeps_bulleted_and_numbered_lists():
    html = rendering.render_post("- one\n- two\n\n3. three\n4. four")

    lists = {el.tag: el for el in _elements(html) if el.tag in ("ul", "ol")}
    assert [li.text for li in lists["ul"].findall("li")] == ["one", "two"]
    assert [li.text for li in lists["ol"].findall("li")] == ["three", "four"]
    assert lists["ol"].get("start") == "3"


def test_render_post_keeps_tables():
    html = rendering.render_post("| a | b |\n|---|---|\n| 1 | 2 |")

    assert {"table", "thead", "tbody", "tr", "th", "td"} <= _tags(html)


def test_render_post_keeps_table_alignment_as_align():
    html = rendering.render_post("| a | b |\n|:--|--:|\n| 1 | 2 |")

    cells = [el for el in _elements(html) if el.tag in ("th", "td")]
    assert [cell.get("align") for cell in cells] == ["left", "right", "left", "right"]


def test_render_post_keeps_strikethrough():
    assert rendering.render_post("~~gone~~") == "<p><s>gone</s></p>"


# --- Images from other hosts -----------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        "https://example.com/a.png",
        "http://127.0.0.1:8001/a.png",  # another port is another site
        "//evil.example/a.png",
        "///evil.example/a.png",
        "/\\evil.example/a.png",
        "https:evil.example/a.png",
        "https://127.0.0.1:8000@evil.example/a.png",
        "http://127.0.0.1:99999/a.png",  # a port out of range
    ],
)
def test_images_from_other_hosts_become_links(src, settings):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"

    html = rendering.render_post(f'<img src="{src}" alt="the error">')

    assert "img" not in _tags(html), "the reader's browser must not fetch it"
    (link,) = _links(html)
    assert (link.get("href"), link.text) == (src, "the error")
    assert link.get("rel") == "nofollow ugc noopener"


def test_markdown_image_from_another_host_becomes_a_link():
    html = rendering.render_post("![the error](https://example.com/a.png)")

    assert "img" not in _tags(html)
    (link,) = _links(html)
    assert (link.get("href"), link.text) == ("https://example.com/a.png", "the error")
    assert link.get("rel") == "nofollow ugc noopener"


def test_image_from_another_host_without_alt_text_shows_its_address():
    (link,) = _links(rendering.render_post('![](https://example.com/a.png "Screenshot")'))

    assert link.text == "https://example.com/a.png"
    assert link.get("title") == "Screenshot"


def test_image_from_another_host_inside_a_link_leaves_its_text_in_the_link():
    html = rendering.render_post("[![build](https://ci.example/b.svg)](https://ci.example/)")

    assert "img" not in _tags(html)
    (link,) = _links(html)
    assert (link.get("href"), link.text) == ("https://ci.example/", "build")


def test_images_stay_images_only_on_the_configured_site(settings):
    settings.WAGTAILADMIN_BASE_URL = "https://forum.example.com"

    html = rendering.render_post(
        "![a](/media/a.png) ![b](shot.png) ![c](https://forum.example.com/media/c.png) "
        "![d](http://127.0.0.1:8000/d.png)"
    )

    images = [(img.get("src"), img.get("alt")) for img in _elements(html) if img.tag == "img"]
    assert images == [
        ("/media/a.png", "a"),
        ("shot.png", "b"),
        ("https://forum.example.com/media/c.png", "c"),
    ]
    assert [link.get("href") for link in _links(html)] == ["http://127.0.0.1:8000/d.png"]


# --- Classes ---------------------------------------------------------------------------------


def test_fenced_code_language_class_is_kept():
    html = rendering.render_post("```c++\nint x;\n```")

    (code,) = [el for el in _elements(html) if el.tag == "code"]
    assert code.get("class") == "language-c++"


@pytest.mark.parametrize(
    "markup",
    [
        '<code class="badge badge-staff">staff</code>',
        '<code class="badge">staff</code>',
        '<code class="language-python badge-staff">x</code>',
        '<code class="language-">x</code>',
        '<code class="language-nav">x</code>',
        '<code class="xlanguage-python">x</code>',
    ],
)
def test_code_takes_no_class_but_one_language(markup):
    html = rendering.render_post(markup)

    (code,) = [el for el in _elements(html) if el.tag == "code"]
    assert code.get("class") is None


def test_raw_code_with_a_language_class_keeps_it():
    html = rendering.render_post('<code class="language-bash">ls</code>')

    (code,) = [el for el in _elements(html) if el.tag == "code"]
    assert code.get("class") == "language-bash"


def test_no_class_of_the_sites_stylesheet_is_allowed_on_code():
    stylesheets = (_repo_root() / "static").rglob("*.css")
    css = "\n".join(path.read_text() for path in stylesheets if "vendor" not in path.parts)
    classes = set(re.findall(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)", css))

    assert classes, "the site's stylesheet should define classes"
    assert not {name for name in classes if rendering.is_allowed_code_class(name)}


# --- Nesting ---------------------------------------------------------------------------------


def test_nesting_deeper_than_the_limit_keeps_the_text_only():
    depth = rendering.MAX_DEPTH + 20
    html = rendering.render_post("<i>" * depth + "deep" + "</i>" * depth)

    def deepest(element, level=0):
        return max([deepest(child, level + 1) for child in element] or [level])

    assert deepest(_fragment(html)) <= rendering.MAX_DEPTH
    assert "deep" in html


def test_text_inside_a_raw_table_outside_its_cells_is_dropped():
    html = rendering.render_post("<table>junk<tr><td>cell</td></tr></table>")

    assert "junk" not in html
    assert "cell" in html


def test_render_post_keeps_subheadings_but_not_a_page_heading():
    html = rendering.render_post("# Top\n\n## Section")

    assert "h1" not in _tags(html), "the thread title is the page's only <h1>"
    assert "h2" in _tags(html)
    assert "Top" in html


# --- Links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[docs](https://example.com/docs)", "https://example.com/docs"),
        ('<a href="https://example.com/a" rel="noopener">a</a>', "https://example.com/a"),
        ('<a href="https://example.com/b" rel="follow">b</a>', "https://example.com/b"),
        ("see https://example.com/bare for it", "https://example.com/bare"),
        ("[mail](mailto:help@example.com)", "mailto:help@example.com"),
    ],
)
def test_post_links_keep_their_url_and_get_rel_nofollow_ugc(markdown, href):
    (link,) = _links(rendering.render_post(markdown))

    assert link.get("href") == href
    assert link.get("rel") == "nofollow ugc"


def test_comment_links_get_rel_nofollow_ugc():
    (link,) = _links(rendering.render_comment("try [this](https://example.com/fix)"))

    assert link.get("href") == "https://example.com/fix"
    assert link.get("rel") == "nofollow ugc"


def test_link_title_is_kept():
    (link,) = _links(rendering.render_post('[docs](https://example.com "The manual")'))

    assert link.get("title") == "The manual"


def test_link_target_is_removed():
    (link,) = _links(rendering.render_post('<a href="https://example.com" target="_blank">x</a>'))

    assert link.get("target") is None


@pytest.mark.parametrize(
    ("markdown", "href", "text"),
    [
        ("see https://example.com/a.", "https://example.com/a", "https://example.com/a"),
        ("(http://example.com/b)", "http://example.com/b", "http://example.com/b"),
        ("at https://example.com/a_(b), ok", "https://example.com/a_(b)", None),
        ("go to www.example.com!", "https://www.example.com", "www.example.com"),
        ("q: https://example.com/?a=1&b=2", "https://example.com/?a=1&b=2", None),
    ],
)
def test_bare_urls_become_links_without_trailing_punctuation(markdown, href, text):
    (link,) = _links(rendering.render_post(markdown))

    assert link.get("href") == href
    assert link.text == (text or href)
    assert link.get("rel") == "nofollow ugc"


@pytest.mark.parametrize("text", ["setup.py", "example.com", "a.b-c.d", "http://localhost"])
def test_words_that_only_look_like_domains_stay_text(text):
    assert _links(rendering.render_post(f"run {text} again")) == []


def test_urls_inside_code_are_not_turned_into_links():
    html = rendering.render_post("`curl https://example.com/api`\n\n```\nhttps://example.com\n```")

    assert _links(html) == []


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("render", [rendering.render_post, rendering.render_comment])
def test_script_and_data_urls_are_stripped_from_markdown_links(render, url):
    (link,) = _links(render(f"[click](<{url}>)"))

    assert link.get("href") is None


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("render", [rendering.render_post, rendering.render_comment])
def test_script_and_data_urls_are_stripped_from_html_links(render, url):
    (link,) = _links(render(f'<a href="{url}">click</a>'))

    assert link.get("href") is None


@pytest.mark.parametrize("url", BAD_URLS)
def test_script_and_data_urls_are_stripped_from_images(url):
    html = rendering.render_post(f'![pic](<{url}>) <img src="{url}" alt="pic">')

    images = [el for el in _elements(html) if el.tag == "img"]
    assert images, "the images themselves stay, without their source"
    assert all(img.get("src") is None for img in images)


# --- Raw HTML --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        '<iframe src="https://example.com"></iframe>',
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<object data="https://example.com/x.swf"></object>',
        '<embed src="https://example.com/x.swf">',
        "<style>body{display:none}</style>",
        '<form action="https://evil.example"><button>go</button></form>',
        '<svg onload="alert(1)"><script>alert(1)</script></svg>',
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        '<base href="https://evil.example/">',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
    ],
)
@pytest.mark.parametrize("render", [rendering.render_post, rendering.render_comment])
def test_raw_active_html_is_removed(render, markup):
    tags = _tags(render(f"before {markup} after"))

    assert not tags & {
        "script",
        "iframe",
        "object",
        "embed",
        "style",
        "form",
        "button",
        "svg",
        "math",
        "meta",
        "base",
        "link",
    }


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="https://example.com/a.png" onerror="alert(1)">',
        '<a href="https://example.com" onclick="alert(1)" onmouseover="alert(2)">x</a>',
        '<p style="background:url(javascript:alert(1))" onmouseover="alert(1)">hi</p>',
        '<strong id="x" class="y" data-x="1" hx-get="/steal" hx-on:click="alert(1)">b</strong>',
    ],
)
def test_event_handler_style_and_other_attributes_are_removed(markup):
    html = rendering.render_post(markup)

    for el in _elements(html):
        allowed = set(rendering.POST_ATTRIBUTES.get(el.tag, ())) | {"rel"}
        assert set(el.attrib) <= allowed, f"{el.tag} kept {sorted(el.attrib)}"


def test_html_comments_are_removed():
    html = rendering.render_post("visible <!-- hidden <script>alert(1)</script> --> text")

    root = _fragment(html)
    assert not any(el.tag is ET.Comment for el in root.iter())
    assert "hidden" not in html


# --- Comments are inline only ----------------------------------------------------------------


def test_render_comment_keeps_inline_formatting_and_code():
    html = rendering.render_comment("**bold**, *em*, `code` and ~~not~~ <del>gone</del>")

    assert {"strong", "em", "code", "del"} <= _tags(html)


@pytest.mark.parametrize(
    "markdown",
    [
        "# Heading",
        "## Subheading",
        "- item one\n- item two",
        "1. first\n2. second",
        "> a quote",
        "```\ncode block\n```",
        "    indented code",
        "![image](https://example.com/a.png)",
        '<img src="https://example.com/a.png">',
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "<div>block</div><p>para</p><table><tr><td>x</td></tr></table>",
        "line one\n\n---\n\nline two",
        "first paragraph\n\nsecond paragraph",
    ],
)
def test_render_comment_cannot_contain_blocks_or_images(markdown):
    tags = _tags(rendering.render_comment(markdown))

    assert tags <= rendering.COMMENT_TAGS, f"blocks in a comment: {tags - rendering.COMMENT_TAGS}"


def test_render_comment_joins_paragraphs_with_a_space():
    assert rendering.render_comment("first\n\nsecond") == "first second"


# --- Plain text and excerpts -----------------------------------------------------------------


def test_plain_text_drops_markup_and_unescapes_entities():
    html = rendering.render_post("**Fish** &amp; chips <br> and `<tags>`")

    assert rendering.plain_text(html) == "Fish & chips and <tags>"


def test_excerpt_of_short_text_is_the_whole_text():
    assert rendering.excerpt(rendering.render_post("A *short* question.")) == "A short question."


def test_excerpt_of_long_text_ends_on_a_word_with_an_ellipsis():
    text = rendering.excerpt(rendering.render_post("word " * 100), length=50)

    assert len(text) <= 50
    assert text.endswith("word…")
