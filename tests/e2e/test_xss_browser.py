"""XSS payloads in user content stay inert in a real browser.

Payloads go where members type: thread titles, questions, answers, comments, display
names and bios, the ask form's previews and the edit forms. Each page is opened with
listeners for dialogs, uncaught errors and off-site requests, and with alert/confirm/
prompt/print wrapped so a call is recorded even when no dialog shows; then every element
in the main column gets synthetic hover/focus events (inline handlers would fire), and
the DOM is checked for event-handler attributes, script URLs and tags that sanitised
content can never contain.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts import services as account_services
from forum import services
from forum.models import COMMENT_MAX_LENGTH, TITLE_MAX_LENGTH
from reputation.models import Privilege
from tests.e2e.conftest import E2E_DB
from tests.factories import UserFactory, give_privilege, make_category

pytestmark = [pytest.mark.e2e, E2E_DB]

PAYLOAD_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "xss-payloads"
SAMPLE_SIZE = 40
VISITED_THREADS = 10
MUST_COVER = {
    "script tag": re.compile(r"<\s*script", re.IGNORECASE),
    "img onerror": re.compile(r"<\s*img[^>]*onerror", re.IGNORECASE),
    "svg onload": re.compile(r"<\s*svg[^>]*onload", re.IGNORECASE),
    "javascript: URL": re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE),
    "event handler": re.compile(r"\bon(mouseover|focus|click)\s*=", re.IGNORECASE),
}
# The lists are raw HTML; these reach the Markdown parser's own link and image syntax.
MARKDOWN_PAYLOADS = [
    "[click me](javascript:alert(1)) and [this](JaVaScRiPt:alert(document.domain))",
    '![x](x" onerror="alert(1)) and <a href="jav&#x09;ascript:alert(1)">tab</a>',
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) `<script>alert(1)</script>`",
]

# Wraps the dialog functions before any page script runs; a payload that calls one is
# recorded in window.__xssCalls even where Chromium would not show a dialog (print()).
SENTINEL_SCRIPT = """
(() => {
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    const original = window[name];
    window[name] = function (...args) {
      (window.__xssCalls = window.__xssCalls || []).push(name + ":" + String(args[0]));
      return original.apply(this, args);
    };
  }
})();
"""

# Runs after the page has loaded: fires the events that inline handlers listen to on
# every element in <main>, then lists anything that could run script.
PROBE_SCRIPT = """
async () => {
  const events = ["mouseover", "mouseenter", "mousemove", "pointerover", "focus", "focusin",
                  "animationstart", "transitionend", "toggle", "input", "change"];
  for (const element of document.querySelectorAll("main *")) {
    for (const type of events) element.dispatchEvent(new Event(type, {bubbles: true}));
    if (typeof element.focus === "function") element.focus();
  }
  await new Promise((resolve) => setTimeout(resolve, 150));
  const problems = [];
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data", "background",
                         "poster", "srcdoc"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
      if (name.startsWith("on")) problems.push(`${element.tagName} has ${name}`);
      if (urlAttributes.includes(name) && /^(javascript|vbscript|data):/.test(value)) {
        problems.push(`${element.tagName} ${name}=${attribute.value.slice(0, 80)}`);
      }
    }
  }
  for (const script of document.scripts) {
    // The thread's QAPage data: never run, and whole (a payload breaking out would cut it).
    const inHead = script.parentNode === document.head;
    if (script.type === "application/ld+json" && !script.src && inHead) {
      try { JSON.parse(script.textContent); continue; } catch (error) {}
    }
    if (!script.src.endsWith("/static/vendor/htmx.min.js")) {
      problems.push(`script ${script.src || script.textContent.slice(0, 80)}`);
    }
  }
  const allowed = new Set(["P", "BR", "HR", "H2", "H3", "H4", "H5", "H6", "STRONG", "EM", "B",
    "I", "DEL", "S", "SUP", "SUB", "KBD", "CODE", "PRE", "BLOCKQUOTE", "UL", "OL", "LI", "A",
    "IMG", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "SPAN"]);
  const userContent = ".post-body, .comment-body, .bio, .excerpt, .thread-title, h1, .user-ref";
  for (const container of document.querySelectorAll(userContent)) {
    for (const element of container.querySelectorAll("*")) {
      if (!allowed.has(element.tagName)) problems.push(`<${element.tagName}> in user content`);
    }
  }
  // The site's own graphics (the profile's reputation chart) are SVG from its templates.
  const ours = "svg.rep-chart-svg, svg.rep-chart-svg *";
  for (const tag of ["iframe", "frame", "frameset", "object", "embed", "base", "svg", "math"]) {
    const found = [...document.querySelectorAll(tag)].filter((element) => !element.matches(ours));
    if (found.length) problems.push(`a <${tag}> element`);
  }
  return {problems, calls: window.__xssCalls || [], flag: typeof window.__xss};
}
"""


def _load_payloads() -> list[str]:
    """~40 payloads chosen the same way every run: every category, then evenly spread."""
    if not PAYLOAD_DIR.is_dir():
        pytest.skip(f"XSS payload lists not found at {PAYLOAD_DIR.resolve()}")
    files = {}
    for path in sorted(PAYLOAD_DIR.glob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        # The event-handler list holds bare names ("onafterprint"), not payloads.
        files[path.name] = [line.strip() for line in lines if re.search(r"[<>=:]", line)]
    chosen: list[str] = []

    def add(payload: str) -> None:
        if payload not in chosen:
            chosen.append(payload)

    for payload in files.get("XSS_Polyglots.txt", [])[::3]:
        add(payload)
    for pattern in MUST_COVER.values():
        for lines in files.values():
            for payload in [line for line in lines if pattern.search(line)][:1]:
                add(payload)
    rest = list(dict.fromkeys(line for lines in files.values() for line in lines))
    rest = [line for line in rest if line not in chosen]
    needed = SAMPLE_SIZE - len(chosen)
    for index in range(max(needed, 0)):
        add(rest[index * len(rest) // needed])
    for name, pattern in MUST_COVER.items():
        assert any(pattern.search(payload) for payload in chosen), f"no {name} payload chosen"
    return chosen


def _title(payload: str) -> str:
    return (payload if len(payload) >= 10 else f"{payload} (xss)")[:TITLE_MAX_LENGTH]


@pytest.fixture
def payloads() -> list[str]:
    return _load_payloads()


@pytest.fixture
def hostile_forum(payloads):
    """Members, threads, answers, comments and an edit history, all written with payloads."""
    n = len(payloads)
    category = make_category()
    # Payloads hold links: their authors have the trust that posting links takes.
    members = [give_privilege(UserFactory(), Privilege.POST_LINKS) for _ in range(4)]
    for index, member in enumerate(members):
        account_services.update_profile(
            member,
            display_name=payloads[(index * 10) % n][:60],
            bio=payloads[(index * 10 + 5) % n][:500],
        )
    threads = []
    for index, payload in enumerate(payloads):
        threads.append(
            services.ask_question(
                author=members[index % 4],
                category=category,
                title=_title(payload),
                body=payloads[(index + 1) % n],
            )
        )
    markdown_thread = services.ask_question(
        author=members[0],
        category=category,
        title="Markdown links and images",
        body="\n\n".join(MARKDOWN_PAYLOADS),
    )
    visited = [markdown_thread, *threads[: VISITED_THREADS - 1]]
    for number, thread in enumerate(visited):
        question = thread.posts.get(kind="question")
        services.post_comment(
            question, author=members[(number + 1) % 4], body=MARKDOWN_PAYLOADS[number % 3]
        )
        for k in range(4):
            body = payloads[(4 * number + k) % n]
            answer = services.post_answer(thread, author=members[(number + k + 1) % 4], body=body)
            services.post_comment(
                answer,
                author=members[(number + k + 2) % 4],
                body=payloads[(4 * number + k + 20) % n][:COMMENT_MAX_LENGTH],
            )
        if number == 1:
            services.accept_answer(answer, actor=thread.author)
    edited = threads[0].posts.get(kind="question")
    services.edit_post(
        edited,
        editor=threads[0].author,
        title=_title(payloads[-1]),
        body=payloads[-2],
    )
    return {"category": category, "members": members, "threads": visited, "edited": edited}


class Watch:
    """Everything a page did that only script from user content would do."""

    def __init__(self, context, live_server_url: str) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.offsite: list[str] = []
        context.add_init_script(SENTINEL_SCRIPT)
        origin = re.escape(live_server_url)
        context.route(re.compile(rf"^(?!{origin}/)"), self._block)

    def attach(self, page):
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self._console(page, message))
        return page

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, page, message) -> None:
        # A sanitised <img src=x> still 404s; that is the browser, not a script.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"{page.url}: console: {message.text}")

    def _block(self, route) -> None:
        # Images from other hosts are allowed in posts; anything else is a finding.
        if route.request.resource_type != "image":
            self.offsite.append(f"{route.request.resource_type} {route.request.url}")
        route.abort()

    def check(self, page, url: str) -> None:
        page.goto(url)
        page.wait_for_timeout(100)  # let image onerror/onload handlers fire, if any existed
        self.probe(page)

    def probe(self, page) -> None:
        found = page.evaluate(PROBE_SCRIPT)
        assert not found["problems"], f"{page.url}: {found['problems']}"
        assert not found["calls"], f"{page.url}: dialog functions called: {found['calls']}"
        assert found["flag"] == "undefined", f"{page.url}: window.__xss was set"

    def assert_quiet(self) -> None:
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.errors, "script errors:\n" + "\n".join(self.errors)
        assert not self.offsite, f"off-site requests: {self.offsite}"


def test_payloads_in_public_pages_do_not_run(new_context, live_server, settings, hostile_forum):
    settings.FORUM_THREADS_PER_PAGE = 60  # every payload title on one category page
    settings.FORUM_PAGE_CACHE_SECONDS = 300  # the second visits below come from the page cache
    context = new_context()
    watch = Watch(context, live_server.url)
    page = watch.attach(context.new_page())

    watch.check(page, "/")
    watch.check(page, hostile_forum["category"].url)
    expect(page.locator(".thread-row")).to_have_count(SAMPLE_SIZE + 1)
    for thread in hostile_forum["threads"]:
        watch.check(page, thread.get_absolute_url())
        expect(page.locator("article.post")).to_have_count(5)
        page.locator("main h1").hover()
        for link in page.locator(".post-body a:visible, .post-body img:visible").all()[:5]:
            link.hover()
    for member in hostile_forum["members"]:
        watch.check(page, member.get_absolute_url())
    for url in ("/", hostile_forum["category"].url, hostile_forum["threads"][0].get_absolute_url()):
        watch.check(page, url)
    watch.assert_quiet()


def test_payloads_in_forms_and_previews_do_not_run(
    login_context, live_server, payloads, hostile_forum
):
    member = hostile_forum["members"][0]
    context = login_context(member)
    watch = Watch(context, live_server.url)
    page = watch.attach(context.new_page())

    # The edit forms put the stored text back into input values and textareas.
    question = hostile_forum["threads"][0].posts.get(kind="question")
    watch.check(page, reverse("forum:edit_post", args=[question.pk]))
    # The edit history (its author's and the moderators' to see) shows the earlier text.
    watch.check(page, reverse("forum:post_history", args=[hostile_forum["edited"].pk]))
    watch.check(page, reverse("accounts:edit_profile", args=[member.username]))

    # The server-side preview and the live (htmx) preview render the payload as HTML.
    watch.check(page, reverse("forum:ask"))
    # Three previews carry every payload between them (each waits out htmx's 600 ms delay).
    body = page.get_by_label("Describe the problem")
    for chunk in (payloads[0::3], payloads[1::3], [*payloads[2::3], *MARKDOWN_PAYLOADS]):
        body.fill("\n\n".join(chunk))
        with page.expect_response(lambda response: "/preview/" in response.url) as preview:
            body.press("End")
        assert preview.value.ok
        expect(page.locator(".preview-output .post-body")).to_be_visible()
        watch.probe(page)
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator(".live-preview .preview-output .post-body")).to_be_visible()
    watch.probe(page)
    watch.assert_quiet()
