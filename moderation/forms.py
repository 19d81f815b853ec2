"""Input for flagging and for the moderators' forms: validated here, acted on by services."""

import re
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.forms import EditPostForm
from forum.models import MODERATION_REASON_MAX_LENGTH, Thread
from moderation.models import FLAG_TEXT_MAX_LENGTH, NOTE_MAX_LENGTH, FlagReason

_THREAD_REF = re.compile(r"(?:/t/)?(\d+)(?:/|$)")


def thread_from_reference(text: str) -> Thread | None:
    """The thread a member points at: its address (…/t/123/slug/) or its number."""
    text = (text or "").strip()
    match = _THREAD_REF.search(text.split("?")[0].split("#")[0])
    if not match:
        return None
    return Thread.objects.select_related("category").filter(pk=int(match.group(1))).first()


class ThreadReferenceField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 300)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        thread = thread_from_reference(value)
        if thread is None:
            raise forms.ValidationError(
                _("No thread has that address. Copy it from the browser's address bar."),
                code="no_thread",
            )
        return thread


class FlagForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("What is wrong?"),
        queryset=FlagReason.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Please choose what is wrong with this post.")},
    )
    text = forms.CharField(
        label=_("Details for the moderators (optional unless asked)"),
        max_length=FLAG_TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    duplicate_of = ThreadReferenceField(
        label=_("The thread it repeats (its address)"), required=False
    )

    def clean(self):
        data = super().clean()
        reason = data.get("reason")
        if reason is None:
            return data
        if reason.needs_text and not (data.get("text") or "").strip():
            self.add_error("text", _("Please say in a few words what is wrong."))
        if (
            reason.needs_thread
            and not data.get("duplicate_of")
            and "duplicate_of" not in self.errors
        ):
            self.add_error(
                "duplicate_of", _("Please give the address of the thread this one repeats.")
            )
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (shown to the community where it applies)"),
        max_length=MODERATION_REASON_MAX_LENGTH,
        required=False,
    )


class RequiredReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=MODERATION_REASON_MAX_LENGTH,
        error_messages={"required": _("Please say why.")},
    )


class MoveForm(ReasonForm):
    category = forms.ChoiceField(label=_("Move to product"))

    def __init__(self, *args, categories, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {str(category.pk): category for category in categories}
        self.fields["category"].choices = [
            (pk, category.title) for pk, category in self.categories.items()
        ]

    def clean_category(self):
        return self.categories[self.cleaned_data["category"]]


class DuplicateForm(ReasonForm):
    original = ThreadReferenceField(
        label=_("Original thread (its address or number)"),
        error_messages={"required": _("Please give the address of the original thread.")},
    )


class ModeratorEditForm(EditPostForm):
    reason = forms.CharField(
        label=_("Why you are editing (kept in the post's history)"),
        max_length=MODERATION_REASON_MAX_LENGTH,
        error_messages={"required": _("Please say why you are editing this post.")},
    )


class WarnForm(forms.Form):
    message = forms.CharField(
        label=_("Warning (the member reads this and must acknowledge it)"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please write the warning the member will read.")},
    )


DURATIONS = [
    ("1", _("1 day")),
    ("3", _("3 days")),
    ("7", _("7 days")),
    ("30", _("30 days")),
    ("", _("Until lifted")),
]


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the member sees it)"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please give the reason the member will read.")},
    )
    days = forms.ChoiceField(label=_("Suspend for"), choices=DURATIONS, required=False, initial="7")

    def until(self):
        days = self.cleaned_data.get("days")
        return timezone.now() + timedelta(days=int(days)) if days else None


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(ReasonForm):
    into = ThreadReferenceField(
        label=_("Merge into the thread (its address or number)"),
        error_messages={"required": _("Please give the address of the thread to merge into.")},
    )


class SplitForm(ReasonForm):
    title = forms.CharField(
        label=_("Title of the new thread"),
        max_length=150,
        error_messages={"required": _("Please give the new thread a title.")},
    )
    answers = forms.MultipleChoiceField(
        label=_("Answers to move (the first becomes the new question)"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose the answers to move.")},
    )

    def __init__(self, *args, answers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answers"].choices = [
            (str(post.pk), f"#{post.pk} {post.author.public_name}: {post.body_markdown[:80]}")
            for post in answers
        ]
