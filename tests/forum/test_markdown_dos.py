"""Rendering time grows linearly with the text: a hostile post cannot stall a worker.

Each hostile text is as long as a post may be and must render within ``FACTOR`` times the
render of a realistic post of the same length, timed in the same run on the same machine,
so the test needs no absolute figures. Super-linear shapes cost from dozens to thousands
of times the realistic render (Python-Markdown took 72 s on 20,000 ``[``, bleach's
linkifier 64 s on 20,000 characters of ``-a.``); linear ones stay under ten times, texts
made of nothing but elements being the dearest per character. Comments are tested the
same way at their own limit, where an exponential shape would still show.

The garbage collector is paused while timing. A render that runs far past its budget is
interrupted (on the main thread, where a timer signal reaches it), so a regression fails
in seconds instead of stalling the run.
"""

import contextlib
import gc
import itertools
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from forum import rendering
from forum.models import BODY_MAX_LENGTH, COMMENT_MAX_LENGTH

FACTOR = 20
# The realistic render's time is the best of this many; each hostile text gets this many
# tries to come in under the factor (a busy machine slows one try, not three in a row).
BASELINE_RUNS = 5
HOSTILE_TRIES = 3
# A render still running at this multiple of its budget is stopped: it has failed already.
ABORT_AFTER = 3
LENGTH = BODY_MAX_LENGTH
# A comment renders in about a millisecond: each is timed this many times over.
COMMENT_REPEAT = 10


def _fill(unit: str, length: int = LENGTH) -> str:
    """*unit* repeated to exactly *length* characters."""
    return (unit * (length // len(unit) + 1))[:length]


def _joined(parts: Iterator[str], length: int = LENGTH) -> str:
    """Consecutive *parts* up to *length* characters, then padded with spaces to it."""
    text = ""
    for part in parts:
        if len(text) + len(part) > length:
            break
        text += part
    return text.ljust(length)


def _counting(template: str) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield template.format(n=n)


REALISTIC_BLOCKS = [
    "## What happens\n\n"
    "Since the **last firmware update** (version `4.2.1`) my *Nimbus* thermostat shows "
    "error `E42` every night at about 3 am. The heating then stays off until I restart "
    "it, see the [error list](https://example.com/docs/errors#e42) in the manual.\n",
    "What I tried so far:\n\n"
    "1. Restarted the thermostat and the hub.\n"
    "2. Reset the schedule to the factory default, as the "
    '[support article](https://example.com/kb/1234 "Resetting schedules") says.\n'
    "3. Checked the Wi-Fi signal: it is *strong* (-48 dBm) where the unit hangs.\n",
    "- Firmware: 4.2.1\n- Hub: v2, also updated\n  - bought in 2021\n  - same house\n"
    "- Heating: gas boiler, ~~two~~ three zones\n",
    "The log from the app says:\n\n"
    "```text\n2024-03-02 03:00:12 sched: apply profile night\n"
    "2024-03-02 03:00:13 relay: open failed (E42)\n2024-03-02 03:00:13 relay: retry 1/3\n```\n",
    "> Did you try turning it off and on again?\n>\n> Yes, *twice*. It helps until the "
    "next night.\n",
    "| Night | Error | Heating back at |\n|:------|:-----:|----------------:|\n"
    "| Mon | E42 | 07:10 |\n| Tue | E42 | 06:55 |\n| Wed | none | - |\n",
    "Is there a way to roll back to `4.1.9`, or a fix coming? The same question was asked "
    "in https://example.com/t/812/ but nobody answered there. Thanks for any help &mdash; "
    "it's getting cold here!\n",
    "```python\nimport requests\n\nfor zone in (1, 2, 3):\n"
    '    state = requests.get(f"http://hub.local/api/zones/{zone}").json()\n'
    '    print(zone, state["relay"], state.get("error"))\n```\n',
]


def realistic_post(length: int = LENGTH) -> str:
    """A question of *length* characters as members write them: every kind of block."""
    blocks = (REALISTIC_BLOCKS[n % len(REALISTIC_BLOCKS)] for n in range(length))
    return _joined((block + "\n" for block in blocks), length)


def realistic_comment_text(length: int = LENGTH) -> str:
    sentences = [
        "Which firmware version is on the hub, `4.2.1` too? ",
        "See **step 3** in [the manual](https://example.com/manual#reset). ",
        "It worked for me after a *factory reset*, thanks! ",
        "Same here since Tuesday: https://example.com/status says ~~nothing~~ little. ",
    ]
    return _joined((sentences[n % len(sentences)] for n in range(length)), length)


def _table_with_many_columns(n: int) -> str:
    columns = n // 20
    head = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n"
    return head + _fill("|" + "a|" * columns + "\n", n - len(head))


def _long_table(n: int) -> str:
    rows = (f"| {k} | *b* | `c` |\n" for k in range(n))
    return _joined(itertools.chain(["| a | b | c |\n|---|:-:|--:|\n"], rows), n)


# Each makes a text of the given length. Named for the shape they attack.
HOSTILE: dict[str, Callable[[int], str]] = {
    # Link and image openers: the inline parser looks for the closing bracket from each.
    "open brackets": lambda n: _fill("[", n),
    "close brackets": lambda n: _fill("]", n),
    "image openers": lambda n: _fill("![", n),
    "link openers with destinations": lambda n: _fill("[a](", n),
    "link destinations in angle brackets": lambda n: _fill("[a](<", n),
    "link titles never closed": lambda n: _fill('[a](b "', n),
    "nested brackets": lambda n: "[" * (n // 2) + "]" * (n - n // 2),
    "nested images in links": lambda n: _fill("[![a", n),
    "brackets with a late destination": lambda n: "[" * (n - 5) + "](/u)",
    "many link reference definitions": lambda n: _joined(_counting("[r{n}]: /u{n}\n"), n),
    "references to undefined labels": lambda n: _fill("[a][b]", n),
    "reference definitions then uses": lambda n: (
        _joined(_counting("[r{n}]: /u\n"), n // 2) + _joined(_counting("[r{n}] "), n - n // 2)
    ),
    "many links": lambda n: _fill("[a](/u) ", n),
    "many images from other hosts": lambda n: _fill("![a](https://x.example/a.png) ", n),
    # Emphasis: the delimiter stack.
    "asterisks": lambda n: _fill("*", n),
    "underscores": lambda n: _fill("_", n),
    "alternating emphasis": lambda n: _fill("*a_", n),
    "asterisk words": lambda n: _fill("*a", n),
    "strong openers": lambda n: _fill("**a ", n),
    "strong closers": lambda n: _fill("a** ", n),
    "deep emphasis": lambda n: "*" * (n // 2 - 1) + "a" + "*" * (n - n // 2),
    "nested strong": lambda n: _fill("**a ", n // 2) + _fill("b**", n - n // 2),
    "mixed delimiters": lambda n: _fill("_*", n // 2) + _fill("*_", n - n // 2),
    "strikethrough runs": lambda n: _fill("~~a ", n),
    "tildes": lambda n: _fill("~", n),
    # Code spans: a backtick run looks for a closing run of the same length.
    "backtick runs of increasing length": lambda n: _joined(
        ("`" * k + "a" for k in range(1, n)), n
    ),
    "backticks": lambda n: _fill("`", n),
    "code spans": lambda n: _fill("`a` ", n),
    "unclosed fences": lambda n: _fill("```\n", n),
    # Raw HTML and what looks like it.
    "angle brackets": lambda n: _fill("<", n),
    "tag openers": lambda n: _fill("<a", n),
    "tag openers with space": lambda n: _fill("<a ", n),
    "attributes never closed": lambda n: _fill('<a x="', n),
    "attribute value never closed": lambda n: '<a x="' + _fill("a", n - 6),
    "quotes of both kinds": lambda n: _fill("<a x='<a x=\"", n),
    "one tag of many attributes, never closed": lambda n: "<a" + _fill(" x=y", n - 2),
    "spaces in tags": lambda n: _fill("<a x" + " " * 60 + "=" + " " * 60, n),
    "open bold tags": lambda n: _fill("<b>", n),
    "open bold tags in paragraphs": lambda n: _fill("<b>a\n\n", n),
    "open tags with different attributes": lambda n: _joined(_counting("<b x={n}>"), n),
    "open code tags with languages": lambda n: _joined(
        _counting('<code class="language-a{n}">'), n
    ),
    "open inline tags of every kind": lambda n: _fill(
        "<i><b><s><em><strong><del><kbd><sub><sup><code>a\n\n", n
    ),
    "open links": lambda n: _joined(_counting('<a href="/{n}">'), n),
    "open block tags": lambda n: _fill("<div>", n),
    "open quotes": lambda n: _fill("<q>", n),
    "open tables": lambda n: _fill("<table><tr><td>", n),
    "text in a table": lambda n: "<table>" + _fill("a<b>b</b>", n - 7),
    "misnested formatting": lambda n: _fill("<b><i>a</b></i>", n),
    "raw html block": lambda n: "<div>\n" + _fill("<p>a<b>b</p>", n - 6),
    "html comment openers": lambda n: _fill("<!--", n),
    "processing instructions": lambda n: _fill("<?", n),
    "cdata openers": lambda n: _fill("<![CDATA[", n),
    "autolink openers": lambda n: _fill("<http://", n),
    "email autolink openers": lambda n: _fill("<a@", n),
    # Entities and escapes.
    "numeric entity openers": lambda n: _fill("&#", n),
    "entity runs": lambda n: _fill("&amp;", n),
    "unfinished entities": lambda n: _fill("&a", n),
    "backslashes": lambda n: _fill("\\", n),
    # Block structure.
    "nested blockquotes": lambda n: _fill("> ", n),
    "quote markers": lambda n: _fill(">", n),
    "nested list indentation": lambda n: _joined(("  " * k + "- a\n" for k in range(n)), n),
    "nested list markers": lambda n: _fill("- ", n),
    "nested ordered list markers": lambda n: _fill("1. ", n),
    "quotes in lists": lambda n: _fill("- > 1. ", n),
    "long list with emphasis": lambda n: _fill("- *a*\n", n),
    "many paragraphs with links": lambda n: _fill("[a](/u)\n\n", n),
    "many headings": lambda n: _fill("## a\n", n),
    "setext underlines": lambda n: _fill("a\n=\n", n),
    "tabs": lambda n: _fill("\t", n),
    "hard breaks": lambda n: _fill("a  \n", n),
    "table with many columns": _table_with_many_columns,
    "long table": _long_table,
    "pipes": lambda n: _fill("|", n),
    # What a linkifier tries to read as a URL.
    "url schemes": lambda n: _fill("http://", n),
    "one long url": lambda n: "http://a.example/" + _fill("a", n - 17),
    "many bare urls": lambda n: _fill("http://a.example ", n),
    "www prefixes": lambda n: _fill("www.", n),
    "dotted hyphens": lambda n: _fill("-a.", n),
    "hyphens": lambda n: _fill("a-", n),
    "open parentheses": lambda n: _fill("(", n),
    "url with open parentheses": lambda n: "http://a.example/" + _fill("(", n - 17),
    "url with close parentheses": lambda n: "http://a.example/" + _fill(")", n - 17),
    "at signs": lambda n: _fill("a@", n),
}


class _TooSlowError(Exception):
    pass


@contextlib.contextmanager
def _stopped_after(seconds: float):
    """Interrupt the block after *seconds*, where a timer signal can (the main thread)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def stop(signum, frame):
        raise _TooSlowError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _seconds(render: Callable[[str], str], text: str, repeat: int, limit: float) -> float:
    """Time of *repeat* renders of *text*; infinite when stopped after *limit* seconds.

    The garbage collector waits meanwhile: its pauses depend on what earlier tests left.
    """
    collecting = gc.isenabled()
    gc.disable()
    start = time.perf_counter()
    try:
        with _stopped_after(limit):
            for _ in range(repeat):
                render(text)
    except _TooSlowError:
        return float("inf")
    finally:
        if collecting:
            gc.enable()
    return time.perf_counter() - start


@dataclass
class _Baseline:
    """The realistic text and the best time of its render, for one renderer."""

    render: Callable[[str], str]
    text: str
    repeat: int = 1
    seconds: float = 0.0

    def measure(self, runs: int = BASELINE_RUNS) -> float:
        self.seconds = min(
            _seconds(self.render, self.text, self.repeat, limit=60) for _ in range(runs)
        )
        return self.seconds

    def ratio(self, hostile: str) -> float:
        """How many times the realistic render the render of *hostile* takes: the best of
        up to HOSTILE_TRIES tries. A try after the first times the realistic text again just
        before, so a machine that got busy meanwhile slows both sides alike."""
        best = float("inf")
        for attempt in range(HOSTILE_TRIES):
            base = self.seconds if attempt == 0 else self.measure(runs=2)
            limit = base * FACTOR * ABORT_AFTER
            best = min(best, _seconds(self.render, hostile, self.repeat, limit) / base)
            if best <= FACTOR:
                break
        return best


@pytest.fixture(scope="module")
def post_baseline() -> _Baseline:
    baseline = _Baseline(rendering.render_post, realistic_post())
    baseline.measure()
    return baseline


@pytest.fixture(scope="module")
def comment_baseline() -> _Baseline:
    text = realistic_comment_text(COMMENT_MAX_LENGTH)
    baseline = _Baseline(rendering.render_comment, text, COMMENT_REPEAT)
    baseline.measure()
    return baseline


def test_every_text_has_the_length_it_is_made_for():
    for length in (LENGTH, COMMENT_MAX_LENGTH):
        lengths = {name: len(make(length)) for name, make in HOSTILE.items()}
        assert {name: n for name, n in lengths.items() if n != length} == {}
    assert len(realistic_post()) == LENGTH
    assert len(realistic_comment_text(COMMENT_MAX_LENGTH)) == COMMENT_MAX_LENGTH


def test_realistic_post_uses_every_kind_of_block():
    html = rendering.render_post(realistic_post())

    for tag in ("<h2>", "<ol>", "<ul>", "<pre>", "<blockquote>", "<table>", "<a ", "<code>"):
        assert tag in html


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_post_renders_in_a_small_multiple_of_a_realistic_post(name, post_baseline):
    ratio = post_baseline.ratio(HOSTILE[name](LENGTH))

    assert ratio <= FACTOR, (
        f"{name}: {ratio:.0f} times a realistic post ({post_baseline.seconds:.3f}s), over {FACTOR}"
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_comment_renders_in_a_small_multiple_of_a_realistic_comment(name, comment_baseline):
    # At the comments' own limit; timed COMMENT_REPEAT times over, as one render is short.
    ratio = comment_baseline.ratio(HOSTILE[name](COMMENT_MAX_LENGTH))

    assert ratio <= FACTOR, (
        f"{name}: {ratio:.0f} times a realistic comment "
        f"({comment_baseline.seconds / COMMENT_REPEAT * 1000:.2f} ms), over {FACTOR}"
    )
