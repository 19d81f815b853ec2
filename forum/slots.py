"""Per-viewer holes in shared HTML.

A page or fragment that many viewers share is rendered once with *slots* where the
per-viewer bits go (the header's account links, my vote, my buttons, the CSRF token),
split into static text and slots, and cached. Serving it fills each slot for the
viewer at hand with a small Python function (``forum.viewer_bits``), with no template
rendering and no query beyond the few the fillers share.

A slot is marked in the rendered HTML as ``\\x00<secret>:<name>:<args>\\x00``, written
by the ``{% slot %}`` template tag. The secret is derived from ``SECRET_KEY``, and user
text cannot hold a NUL character anyway (Django's form fields refuse it, the sanitiser
drops it), so no member can plant a slot in a post.
"""

import hashlib
import hmac
import re
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

Parts = list[str | tuple[str, tuple[str, ...]]]
Filler = Callable[..., str]

FILLERS: dict[str, Filler] = {}


@cache
def _secret() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"forum.slots", hashlib.sha256).hexdigest()[:16]


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile("\x00" + _secret() + r":([a-z_-]+):([^\x00]*)\x00")


def marker(name: str, *args: object) -> SafeString:
    """The mark of slot *name* with *args* (plain values without ':' or NUL)."""
    text = ":".join(str(arg) for arg in args)
    if "\x00" in text or not re.fullmatch(r"[a-z_-]+", name):
        raise ValueError(f"bad slot {name!r} {args!r}")
    return mark_safe(f"\x00{_secret()}:{name}:{text}\x00")  # noqa: S308 (our own marker)


def filler(name: str) -> Callable[[Filler], Filler]:
    """Register the decorated function as the filler of slot *name*."""

    def register(func: Filler) -> Filler:
        FILLERS[name] = func
        return func

    return register


def split(html: str) -> Parts:
    """*html* as static text and ``(name, args)`` slots, ready to cache."""
    parts: Parts = []
    position = 0
    for match in _pattern().finditer(html):
        parts.append(html[position : match.start()])
        args = tuple(match.group(2).split(":")) if match.group(2) else ()
        parts.append((match.group(1), args))
        position = match.end()
    parts.append(html[position:])
    return parts


def fill(parts: Parts, viewer: object) -> str:
    """Join *parts*, each slot filled for *viewer* by its registered filler."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            name, args = part
            out.append(FILLERS[name](viewer, *args))
    return "".join(out)
