"""Moderation's per-viewer bits of the forum's shared pages (``forum.slots``).

The forum leaves slots for them (``thread-mod``, ``post-mod``, ``member-notice`` and the
comments' ``comment-delete``); these fillers replace its empty ones. Like the forum's, they
judge from the page's meta and the viewer's own row, with no query: flag links for
members, the moderators' buttons for moderators of the thread's product, and the
suspension or warning notice for a sanctioned member.
"""

from functools import cache

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from forum import slots
from forum.viewer_bits import Viewer, fill_comment_delete, url


@cache
def _labels(language: str) -> dict[str, str]:
    words = {
        "flag": _("Flag"),
        "flag_title": _("Report this to the moderators"),
        "moderate": _("Moderate"),
        "moderate_thread": _("Moderate this thread"),
        "approve": _("Approve"),
        "reject": _("Reject"),
        "lock": _("Lock"),
        "unlock": _("Unlock"),
        "pin": _("Pin"),
        "unpin": _("Unpin"),
        "remove": _("remove"),
        "queue": _("Review queue"),
        "warning": _("A moderator has sent you a warning."),
        "read_warning": _("Read it and carry on"),
    }
    return {key: escape(value) for key, value in words.items()}


def _moderates(viewer: Viewer) -> bool:
    """Does the viewer moderate the thread's product? Asked once per page (a thread page
    asks for every post and comment)."""
    answer = viewer.__dict__.get("_moderation_moderates")
    if answer is None:
        user, thread = viewer.user, viewer.thread
        answer = bool(
            user.is_authenticated and thread is not None and user.moderates(thread.category_id)
        )
        viewer.__dict__["_moderation_moderates"] = answer
    return answer


def _button(viewer: Viewer, action: str, label: str, extra: str = "") -> str:
    return viewer.form(
        action,
        f'{extra}<button type="submit" class="button button-small button-secondary">'
        f"{label}</button>",
        ' class="inline-form"',
    )


@slots.filler("thread-mod")
def fill_thread_moderation(viewer: Viewer) -> str:
    if not _moderates(viewer):
        return ""
    words = _labels(viewer.language)
    thread = viewer.thread
    lock = "unlock" if thread.is_locked else "lock"
    pin = "unpin" if thread.is_pinned else "pin"
    buttons = "".join(
        _button(
            viewer, url(f"moderation:{action}_thread", thread.pk, viewer.language), words[action]
        )
        for action in (lock, pin)
    )
    page = url("moderation:thread", thread.pk, viewer.language)
    link = f'<a href="{page}">{words["moderate_thread"]}</a>'
    return f'<div class="moderator-actions">{buttons} {link}</div>'


@slots.filler("post-mod")
def fill_post_moderation(viewer: Viewer, pk: str, kind: str, author_id: str, state: str) -> str:
    user = viewer.user
    if not user.is_authenticated:
        return ""
    words = _labels(viewer.language)
    if _moderates(viewer):
        out = [f'<a href="{url("moderation:post", pk, viewer.language)}">{words["moderate"]}</a>']
        if state == "pending":
            out.insert(
                0,
                _button(
                    viewer, url("moderation:approve_post", pk, viewer.language), words["approve"]
                ),
            )
            out.insert(
                1,
                _button(
                    viewer, url("moderation:reject_post", pk, viewer.language), words["reject"]
                ),
            )
        return " ".join(out)
    if str(user.pk) == author_id or state != "published":
        return ""
    flag = url("moderation:flag", pk, viewer.language)
    return f'<a href="{flag}" rel="nofollow" title="{words["flag_title"]}">{words["flag"]}</a>'


@slots.filler("comment-delete")
def fill_comment_actions(
    viewer: Viewer, pk: str, author_id: str, state: str, post_pk: str = ""
) -> str:
    """The author's delete button (the forum's), a moderator's approve and remove, or a
    member's flag link."""
    user = viewer.user
    if not user.is_authenticated:
        return ""
    if str(user.pk) == author_id:
        return fill_comment_delete(viewer, pk, author_id, state, post_pk)
    if not post_pk:
        return ""
    words = _labels(viewer.language)
    query = f"?comment={pk}"
    if _moderates(viewer):
        out = []
        if state == "pending":
            out.append(
                _button(
                    viewer,
                    url("moderation:approve_post", post_pk, viewer.language),
                    words["approve"],
                    f'<input type="hidden" name="comment" value="{int(pk)}">',
                )
            )
        if state != "deleted":
            out.append(
                viewer.form(
                    url("moderation:delete_post", post_pk, viewer.language),
                    f'<input type="hidden" name="comment" value="{int(pk)}">'
                    f'<button type="submit" class="link-button">{words["remove"]}</button>',
                    ' class="inline-form"',
                )
            )
        return " ".join(out)
    if state != "published":
        return ""
    return (
        f'<a class="muted" href="{url("moderation:flag", post_pk, viewer.language)}{query}" '
        f'rel="nofollow" '
        f'title="{words["flag_title"]}">{words["flag"].lower()}</a>'
    )


@slots.filler("member-notice")
def fill_member_notice(viewer: Viewer) -> str:
    """A suspended member sees why and until when; a warned one, where to read it."""
    user = viewer.user
    if not user.is_authenticated or not (user.suspended_at or user.warning_text):
        return ""
    if user.is_suspended:
        text = escape(user.write_refusal())
        return f'<div class="message message-error member-notice" role="alert">{text}</div>'
    if user.warning_text:
        words = _labels(viewer.language)
        link = reverse("moderation:warning")
        return (
            f'<div class="message message-error member-notice" role="alert">{words["warning"]} '
            f'<a href="{link}">{words["read_warning"]}</a></div>'
        )
    return ""
