"""Words: cutting text into them, stemming them per language, synonyms, highlighting.

The database backend stores and queries stems made here (Snowball, the same algorithms
Elasticsearch's and PostgreSQL's language analysers use), so SQLite and PostgreSQL find
the same things; Polish, which PostgreSQL has no configuration for, is stemmed too. The
query's words are stemmed in every language the site offers (a German "Drucker" finds
"Druckers"), and each word may stand for the synonyms staff set (``search.models.Synonym``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from search.backends.base import TermGroup

WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 12
MAX_WORD_LENGTH = 40

_SNOWBALL = {"en": "english", "de": "german", "it": "italian", "ru": "russian", "pl": "polish"}


# Words too common to narrow a search. Short lists: the ranking (BM25) already weighs
# common words down; these only keep "how to reset" from requiring "how" and "to".
def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = {
    "en": _set(
        "a an and are as at be but by can could do does did for from has have how i if in "
        "into is it its me my no not of on or our so that the their them then there these "
        "they this to was we what when where which who why will with would you your"
    ),
    "de": _set(
        "aber als am an auch auf aus bei bin bis da das dass dem den der des die doch du "
        "ein eine einem einen einer es für hat habe ich ihr im in ist ja kann mein mit "
        "nach nicht noch nur ob oder sich sie sind so und uns von vor war was wenn wie "
        "wir wird zu zum zur"
    ),
    "it": _set(
        "a al alla anche che chi come con da dal del della di e è gli ha ho i il in io la "
        "le lo ma mi mio nel non o per perché più se si sono su tu un una uno"
    ),
    "pl": _set("a ale bo by czy do i jak jest już na nie o od po się tak to w we z za że"),
    "ru": _set(
        "а без бы в во вы да для до его её если же за и из или к как ли мне мы на не нет "
        "но о от по при с со так то у что это я"
    ),
}


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES if code in _SNOWBALL)


@lru_cache(maxsize=16)
def _stemmer(language: str):
    return snowballstemmer.stemmer(_SNOWBALL.get(language, "english"))


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    return _stemmer(language).stemWord(word)


def fold(text: str) -> str:
    """Lower case, compatibility-normalised (full-width letters, ligatures)."""
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    return [w[:MAX_WORD_LENGTH] for w in WORD.findall(fold(text))]


def is_stopword(word: str) -> bool:
    return any(word in stop for stop in STOPWORDS.values())


def stems(text: str, language: str) -> str:
    """*text* as the space-separated stems the database index stores."""
    return " ".join(stem(word, language) for word in words(text))


def query_forms(word: str) -> tuple[str, ...]:
    """What a query word may match in the index: its stem in each offered language."""
    return tuple(dict.fromkeys(stem(word, language) for language in languages()))


def normalise(text: str) -> str:
    """A query as the content-gap report groups it: folded words, single spaces."""
    return " ".join(words(text))[:200]


def parse(text: str, synonyms: dict[str, tuple[str, ...]] | None = None) -> tuple[TermGroup, ...]:
    """*text* as groups of words to match: stop words dropped (unless nothing else is
    left), each word with its synonyms, at most ``MAX_QUERY_WORDS`` groups."""
    found = list(dict.fromkeys(words(text)))
    kept = [word for word in found if not is_stopword(word)] or found
    synonyms = synonyms or {}
    return tuple(
        TermGroup(word, tuple(alt for alt in synonyms.get(word, ()) if alt != word))
        for word in kept[:MAX_QUERY_WORDS]
    )


def significant_words(text: str, limit: int) -> list[str]:
    """The words of *text* most worth matching on, for "similar questions": stop words
    and very short words dropped, the rarer-looking (longer) words first on a tie of
    frequency, at most *limit*."""
    counts: dict[str, int] = {}
    for word in words(text):
        if len(word) > 2 and not is_stopword(word) and not word.isdigit():
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda word: (-counts[word], -len(word)))
    return ranked[:limit]


# --- Highlighting -----------------------------------------------------------------------


def _matcher(groups: tuple[TermGroup, ...]):
    wanted: set[str] = set()
    for group in groups:
        for phrase in group.words:
            for word in words(phrase):
                wanted.update(query_forms(word))
                wanted.add(word)
    if not wanted:
        return lambda word: False

    def matches(word: str) -> bool:
        folded = fold(word)
        return folded in wanted or any(stem(folded, lang) in wanted for lang in languages())

    return matches


def highlight(text: str, groups: tuple[TermGroup, ...]) -> SafeString:
    """*text* escaped, with each word that matches the query wrapped in ``<mark>``."""
    matches = _matcher(groups)
    out, position = [], 0
    for match in WORD.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        word = match.group(0)
        out.append(f"<mark>{html.escape(word)}</mark>" if matches(word) else html.escape(word))
        position = match.end()
    out.append(html.escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)


def snippet(texts: list[str], groups: tuple[TermGroup, ...], length: int = 240) -> SafeString:
    """The stretch of *texts* (tried in order) with the most matched words, about
    *length* characters, highlighted; the start of the first text when nothing matches."""
    matches = _matcher(groups)
    best_text, best_start, best_hits = "", 0, 0
    for text in texts:
        if not text:
            continue
        if not best_text:
            best_text = text
        spans = [m.start() for m in WORD.finditer(text) if matches(m.group(0))]
        for i, start in enumerate(spans):
            hits = sum(1 for other in spans[i:] if other - start < length)
            if hits > best_hits:
                best_text, best_start, best_hits = text, start, hits
    if not best_text:
        return mark_safe("")
    start = max(0, best_start - length // 4) if best_hits else 0
    if start:
        space = best_text.rfind(" ", 0, start)
        start = space + 1 if space > start - 30 else start
    end = min(len(best_text), start + length)
    if end < len(best_text):
        space = best_text.rfind(" ", start, end)
        end = space if space > start + length // 2 else end
    piece = best_text[start:end]
    prefix = "… " if start else ""
    suffix = " …" if end < len(best_text) else ""
    return mark_safe(prefix + highlight(piece, groups) + suffix)  # noqa: S308
