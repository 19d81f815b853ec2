"""Text that people see: names and titles without invisible characters or impersonation.

``clean_visible_text`` removes what a reader cannot see (bidi controls, zero-width
characters, soft hyphens) and collapses whitespace; ``has_visible_text`` tells whether
anything visible is left. ``skeleton`` reduces a name to what it looks like, so that
look-alikes compare equal (``ADMlN``, ``adm1n``, ``Ad.min`` and an ``admin`` whose a is
Cyrillic all give one skeleton). The skeleton is only ever compared, never shown.

``validate_username`` and ``validate_display_name`` apply the naming rules: a name needs a
letter or digit; it may not look like a staff member's name or username, nor like another
member's username; and, unless its owner is staff, it may not contain a word kept for the
company (``PROTECTED_NAME_WORDS``, the site name and the staff role names).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roles import STAFF_ROLES

if TYPE_CHECKING:
    from accounts.models import User

# Characters of a visible category that show nothing: Hangul fillers, the braille blank,
# the musical null notehead. Format characters (Cf), marks and spaces are found by category.
INVISIBLE_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\U0001d159")

ZERO_WIDTH_JOINER = "\u200d"

# Look-alikes, by Unicode name, mapped to the Latin letter they imitate. Looked up before
# and after case folding, so a capital whose small letter looks different (Greek eta) maps
# by its own shape.
# Letters a name commonly mixes up are folded together: I, i, l, 1 and | all become l.
CONFUSABLES = {
    (unicodedata.lookup(name) if len(name) > 1 else name): latin
    for name, latin in (
        # Latin letters, digits and symbols
        ("I", "l"),
        ("i", "l"),
        ("LATIN SMALL LETTER DOTLESS I", "l"),
        ("LATIN LETTER DENTAL CLICK", "l"),
        ("1", "l"),
        ("|", "l"),
        ("0", "o"),
        ("5", "s"),
        ("$", "s"),
        ("@", "a"),
        ("LATIN SMALL LETTER SCRIPT G", "g"),
        # Cyrillic
        ("CYRILLIC SMALL LETTER A", "a"),
        ("CYRILLIC SMALL LETTER VE", "b"),
        ("CYRILLIC SMALL LETTER GHE", "r"),
        ("CYRILLIC SMALL LETTER IE", "e"),
        ("CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I", "l"),
        ("CYRILLIC SMALL LETTER JE", "j"),
        ("CYRILLIC SMALL LETTER KA", "k"),
        ("CYRILLIC SMALL LETTER EM", "m"),
        ("CYRILLIC SMALL LETTER EN", "h"),
        ("CYRILLIC SMALL LETTER O", "o"),
        ("CYRILLIC SMALL LETTER PE", "n"),
        ("CYRILLIC SMALL LETTER ER", "p"),
        ("CYRILLIC SMALL LETTER ES", "c"),
        ("CYRILLIC SMALL LETTER TE", "t"),
        ("CYRILLIC SMALL LETTER U", "y"),
        ("CYRILLIC SMALL LETTER HA", "x"),
        ("CYRILLIC SMALL LETTER DZE", "s"),
        ("CYRILLIC SMALL LETTER SOFT SIGN", "b"),
        ("CYRILLIC SMALL LETTER SHHA", "h"),
        ("CYRILLIC SMALL LETTER PALOCHKA", "l"),
        ("CYRILLIC LETTER PALOCHKA", "l"),
        ("CYRILLIC SMALL LETTER STRAIGHT U", "y"),
        ("CYRILLIC SMALL LETTER KOMI DE", "d"),
        ("CYRILLIC SMALL LETTER QA", "q"),
        ("CYRILLIC SMALL LETTER WE", "w"),
        # Greek: capitals by their shape, small letters by theirs
        ("GREEK CAPITAL LETTER ALPHA", "a"),
        ("GREEK CAPITAL LETTER BETA", "b"),
        ("GREEK CAPITAL LETTER EPSILON", "e"),
        ("GREEK CAPITAL LETTER ZETA", "z"),
        ("GREEK CAPITAL LETTER ETA", "h"),
        ("GREEK CAPITAL LETTER IOTA", "l"),
        ("GREEK CAPITAL LETTER KAPPA", "k"),
        ("GREEK CAPITAL LETTER MU", "m"),
        ("GREEK CAPITAL LETTER NU", "n"),
        ("GREEK CAPITAL LETTER OMICRON", "o"),
        ("GREEK CAPITAL LETTER RHO", "p"),
        ("GREEK CAPITAL LETTER TAU", "t"),
        ("GREEK CAPITAL LETTER UPSILON", "y"),
        ("GREEK CAPITAL LETTER CHI", "x"),
        ("GREEK SMALL LETTER ALPHA", "a"),
        ("GREEK SMALL LETTER GAMMA", "y"),
        ("GREEK SMALL LETTER ETA", "n"),
        ("GREEK SMALL LETTER IOTA", "l"),
        ("GREEK SMALL LETTER KAPPA", "k"),
        ("GREEK SMALL LETTER NU", "v"),
        ("GREEK SMALL LETTER OMICRON", "o"),
        ("GREEK SMALL LETTER RHO", "p"),
        ("GREEK SMALL LETTER TAU", "t"),
        ("GREEK SMALL LETTER UPSILON", "u"),
        ("GREEK SMALL LETTER CHI", "x"),
        ("GREEK SMALL LETTER OMEGA", "w"),
        ("GREEK LUNATE SIGMA SYMBOL", "c"),
        ("GREEK CAPITAL LUNATE SIGMA SYMBOL", "c"),
        ("GREEK LETTER YOT", "j"),
        # Armenian
        ("ARMENIAN SMALL LETTER HO", "h"),
        ("ARMENIAN SMALL LETTER VO", "n"),
        ("ARMENIAN SMALL LETTER SEH", "u"),
        ("ARMENIAN SMALL LETTER OH", "o"),
    )
}
# Pairs of letters that read as one, replaced after the single letters.
CONFUSABLE_PAIRS = re.compile("rn|vv")
PAIR_LOOKS_LIKE = {"rn": "m", "vv": "w"}

# The skeleton is stored (User.username_skeleton) and compared at this length.
SKELETON_MAX_LENGTH = 255


def _joins_emoji(text: str, index: int) -> bool:
    """Whether the zero-width joiner at *index* joins two emoji into one (woman, mechanic)."""
    before = index - 1
    while before >= 0 and unicodedata.category(text[before]) in {"Mn", "Me"}:
        before -= 1
    after = index + 1
    return (
        before >= 0
        and after < len(text)
        and unicodedata.category(text[before]) in {"So", "Sk"}
        and unicodedata.category(text[after]) == "So"
    )


def clean_visible_text(text: str, *, compatibility: bool = False) -> str:
    """*text* without bidi controls, zero-width and other format characters (Unicode
    category Cf) or control characters, in Unicode normal form, whitespace collapsed.

    NFC keeps what was typed (m², ﬁ); *compatibility* (NFKC, as Django uses for
    usernames) folds styled and full-width letters into plain ones. A zero-width joiner
    inside an emoji sequence is kept, so a family emoji stays one picture.
    """
    kept = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cf" and not (char == ZERO_WIDTH_JOINER and _joins_emoji(text, index)):
            continue
        if category == "Cc" and not char.isspace():
            continue
        kept.append(char)
    normalised = unicodedata.normalize("NFKC" if compatibility else "NFC", "".join(kept))
    return " ".join(normalised.split())


def has_visible_text(text: str) -> bool:
    """Whether *text* shows anything: a letter, digit, punctuation mark or symbol that is
    not whitespace, a format character, a lone combining mark or a blank filler."""
    for char in text:
        if char in INVISIBLE_CHARACTERS:
            continue
        if unicodedata.category(char)[0] in "LNPS":
            return True
    return False


def _skeleton_parts(text: str) -> list[str]:
    """The skeletons of *text*'s words: split at separators and where a small letter is
    followed by a capital (camelCase), so that a word can be found at a word's edge."""
    decomposed = unicodedata.normalize("NFKD", clean_visible_text(text, compatibility=True))
    parts: list[str] = []
    current: list[str] = []
    previous = ""
    for char in decomposed:
        if unicodedata.category(char)[0] == "M" or char in INVISIBLE_CHARACTERS:
            continue
        mapped = CONFUSABLES.get(char)
        if mapped is None:
            mapped = "".join(CONFUSABLES.get(folded, folded) for folded in char.casefold())
        mapped = "".join(letter for letter in mapped if letter.isalnum())
        starts_word = previous.islower() and char.isupper()
        if (not mapped or starts_word) and current:
            parts.append("".join(current))
            current = []
        current.append(mapped)
        previous = char
    if current:
        parts.append("".join(current))
    return [
        CONFUSABLE_PAIRS.sub(lambda pair: PAIR_LOOKS_LIKE[pair.group()], part)
        for part in parts
        if part
    ]


def skeleton(text: str) -> str:
    """What *text* looks like, for comparison only: compatibility-decomposed, case-folded,
    without accents, separators and spaces, look-alike letters mapped to one of them."""
    return "".join(_skeleton_parts(text))[:SKELETON_MAX_LENGTH]


def protected_words() -> list[str]:
    """Words a member's name may not contain: the configured ones, the site name and the
    staff role names in every language of the site."""
    words = [*settings.PROTECTED_NAME_WORDS, settings.WAGTAIL_SITE_NAME]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            words += [str(role.label) for role in STAFF_ROLES]
    return list(dict.fromkeys(word for word in words if skeleton(word)))


def find_protected_word(name: str) -> str | None:
    """The protected word that *name* contains or imitates, or None.

    A word counts where it begins or ends a word of the name (or the whole name), so
    ``nimbus_support`` and ``NimbusOfficial`` match while ``Badminton`` does not.
    """
    parts = _skeleton_parts(name)
    joined = "".join(parts)
    edges = {0}
    for part in parts:
        edges.add(max(edges) + len(part))
    for word in protected_words():
        shape = skeleton(word)
        start = joined.find(shape)
        while start != -1:
            if start in edges or start + len(shape) in edges:
                return word
            start = joined.find(shape, start + 1)
    return None


def _staff_members(exclude_pk: int | None):
    return get_user_model().objects.staff().exclude(pk=exclude_pk).only("username", "display_name")


def _check_name(name: str, *, user: User | None, check_others: bool) -> None:
    shape = skeleton(name)
    if not shape:
        raise ValidationError(
            _("Please choose a name with letters or digits in it."), code="no_visible_text"
        )
    own_pk = user.pk if user is not None else None
    if check_others:
        for member in _staff_members(own_pk):
            for staff_name in (member.display_name, member.username):
                if staff_name and skeleton(staff_name) == shape:
                    raise ValidationError(
                        _(
                            "This name is too close to “%(name)s”, a staff member's name. "
                            "Please choose another."
                        )
                        % {"name": staff_name},
                        code="staff_name",
                    )
    if not (user is not None and own_pk is not None and user.is_staff_member):
        word = find_protected_word(name)
        if word is not None:
            raise ValidationError(
                _(
                    "Names may not contain “%(word)s”: it could be taken for the company "
                    "or its staff. Please choose another."
                )
                % {"word": word},
                code="protected_word",
            )
    if check_others:
        others = get_user_model().objects.filter(username_skeleton=shape).exclude(pk=own_pk)
        if others.exists():
            raise ValidationError(
                _(
                    "This name is taken or too close to another member's username. "
                    "Please choose another."
                ),
                code="member_username",
            )


def validate_username(username: str, *, user: User | None = None, check_others: bool = True) -> str:
    """Return *username* cleaned of invisible characters, or raise ``ValidationError``.

    *check_others* False skips the comparisons with other members (no database query).
    """
    cleaned = clean_visible_text(username, compatibility=True)
    _check_name(cleaned, user=user, check_others=check_others)
    return cleaned


def validate_display_name(name: str, *, user: User) -> str:
    """Return the display name *name* of *user* cleaned, or raise ``ValidationError``.

    An empty name is allowed (the username is shown instead). A name that is unchanged
    is kept without the comparisons: a member is not asked to rename because somebody
    who came later chose a name like theirs.
    """
    cleaned = clean_visible_text(name)
    if not name:
        return ""
    if cleaned == user.display_name and cleaned:
        return cleaned
    _check_name(cleaned, user=user, check_others=True)
    return cleaned
