"""Input for the ask, answer, comment and edit pages: validated here, acted on by services."""

import re
import uuid

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.names import clean_visible_text, has_visible_text
from forum import permissions, rendering
from forum.models import (
    BODY_MAX_LENGTH,
    BODY_MIN_LENGTH,
    COMMENT_MAX_LENGTH,
    MAX_TAGS,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    CategoryPage,
    normalize_tag_name,
)

TAG_PATTERN = re.compile(r"^[\w][\w.+#-]*$", re.UNICODE)


def _lazy_format(message: str, **params: object) -> str:
    """Fill *message*'s placeholders when it is shown, in the visitor's language."""
    return lazy(lambda: str(message) % params, str)()


TITLE_ERRORS = {
    "required": _("Please write a title."),
    "min_length": _(
        "The title is too short: write at least %(limit_value)d characters (it has %(show_value)d)."
    ),
    "max_length": _(
        "The title is too long: keep it to %(limit_value)d characters (it has %(show_value)d)."
    ),
}
DESCRIPTION_ERRORS = {
    "required": _("Please describe the problem."),
    "min_length": _(
        "The description is too short: write at least %(limit_value)d characters "
        "(it has %(show_value)d)."
    ),
    "max_length": _(
        "The description is too long: keep it to %(limit_value)d characters "
        "(it has %(show_value)d)."
    ),
}
ANSWER_ERRORS = {
    "required": _("Please write your answer."),
    "min_length": _(
        "The answer is too short: write at least %(limit_value)d characters "
        "(it has %(show_value)d)."
    ),
    "max_length": _(
        "The answer is too long: keep it to %(limit_value)d characters (it has %(show_value)d)."
    ),
}
COMMENT_ERRORS = {
    "required": _("Please write your comment."),
    "min_length": _(
        "The comment is too short: write at least %(limit_value)d characters "
        "(it has %(show_value)d)."
    ),
    "max_length": _(
        "The comment is too long: keep it to %(limit_value)d characters (it has %(show_value)d)."
    ),
}
TEXT_ERRORS = {
    "required": _("Please write the text."),
    "min_length": _(
        "The text is too short: write at least %(limit_value)d characters (it has %(show_value)d)."
    ),
    "max_length": _(
        "The text is too long: keep it to %(limit_value)d characters (it has %(show_value)d)."
    ),
}


def _visible_body(form: forms.Form) -> str:
    """The body as typed; one with nothing visible in it (only zero-width characters,
    say) is refused as empty, with the field's own message."""
    body = form.cleaned_data["body"]
    if not has_visible_text(body):
        raise forms.ValidationError(form.fields["body"].error_messages["required"], code="required")
    return body


def _body_with_allowed_links(form: forms.Form, render, before_html: str = "") -> str:
    """The visible body, refused when it shows links or images its writer (``form.user``)
    may not post yet; the service judges it again."""
    body = _visible_body(form)
    user = getattr(form, "user", None)
    if user is not None and (
        reason := permissions.post_links_refusal(user, render(body), before_html)
    ):
        raise forms.ValidationError(reason, code="links_not_allowed")
    return body


class MarkdownTextarea(forms.Textarea):
    def __init__(self, rows: int = 10) -> None:
        super().__init__(
            attrs={"rows": rows, "class": "markdown-input", "aria-describedby": "markdown-help"}
        )


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CategoryPage) -> str:
        return obj.title


class SubmissionKeyMixin(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())


def parse_tags(raw: str) -> list[str]:
    """Split a comma- or space-separated tag string into normalised names (``Tag.name``:
    "C#" is "c#"), in order, unique; a leading "#" is a hashtag habit, not part of it."""
    names = [name.lstrip("#") for name in re.split(r"[,\s]+", normalize_tag_name(raw or ""))]
    return list(dict.fromkeys(name for name in names if name))


class TagsField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault(
            "help_text",
            _lazy_format(
                _(
                    "Up to %(count)d tags, separated by commas or spaces, "
                    "for example: billing login-error"
                ),
                count=MAX_TAGS,
            ),
        )
        super().__init__(max_length=MAX_TAGS * (TAG_MAX_LENGTH + 2), **kwargs)
        self.error_messages["max_length"] = _("Too many characters in the tags.")

    def clean(self, value: str) -> list[str]:
        names = parse_tags(super().clean(value))
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(
                ngettext(
                    "Use at most %(max)d tag (you gave %(count)d).",
                    "Use at most %(max)d tags (you gave %(count)d).",
                    MAX_TAGS,
                )
                % {"max": MAX_TAGS, "count": len(names)},
                code="too_many_tags",
            )
        for name in names:
            if len(name) > TAG_MAX_LENGTH:
                raise forms.ValidationError(
                    _("The tag “%(tag)s” is too long: keep each tag to %(max)d characters.")
                    % {"tag": name[:40], "max": TAG_MAX_LENGTH},
                    code="tag_too_long",
                )
            if not TAG_PATTERN.match(name):
                raise forms.ValidationError(
                    _("The tag “%(tag)s” may use only letters, digits and - . + #.")
                    % {"tag": name[:40]},
                    code="tag_invalid",
                )
        return names


class AskForm(SubmissionKeyMixin):
    category = ProductChoiceField(
        label=_("Product"),
        queryset=CategoryPage.objects.none(),
        empty_label=_("Choose a product…"),
        error_messages={
            "required": _("Please choose the product your question is about."),
            "invalid_choice": _("Please choose one of the products in the list."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        min_length=TITLE_MIN_LENGTH,
        max_length=TITLE_MAX_LENGTH,
        help_text=_("Sum up the problem in one sentence."),
        error_messages=TITLE_ERRORS,
    )
    body = forms.CharField(
        label=_("Describe the problem"),
        widget=MarkdownTextarea(rows=12),
        min_length=BODY_MIN_LENGTH,
        max_length=BODY_MAX_LENGTH,
        help_text=_(
            "What did you try, what did you expect, what happened instead? Markdown is supported."
        ),
        error_messages=DESCRIPTION_ERRORS,
    )
    tags = TagsField()

    field_order = ["category", "title", "body", "tags", "submission_key"]

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        visible = permissions.visible_category_ids(user)
        self.fields["category"].queryset = CategoryPage.objects.filter(pk__in=visible).order_by(
            "title"
        )

    def clean_title(self) -> str:
        title = clean_visible_text(self.cleaned_data["title"])
        if not has_visible_text(title):
            raise forms.ValidationError(
                _("Please give your question a title with words in it."), code="invisible"
            )
        if len(title) < TITLE_MIN_LENGTH:
            raise forms.ValidationError(
                self.fields["title"].error_messages["min_length"]
                % {"limit_value": TITLE_MIN_LENGTH, "show_value": len(title)}
            )
        if len(title) > TITLE_MAX_LENGTH:  # normalising can lengthen a few characters
            raise forms.ValidationError(
                self.fields["title"].error_messages["max_length"]
                % {"limit_value": TITLE_MAX_LENGTH, "show_value": len(title)}
            )
        return title

    def clean_body(self) -> str:
        # Links from a member who may not post them yet hold the question for review
        # (``forum.services``): the form refuses nothing for them.
        return _visible_body(self)


class AnswerForm(SubmissionKeyMixin):
    body = forms.CharField(
        label=_("Your answer"),
        widget=MarkdownTextarea(rows=8),
        min_length=BODY_MIN_LENGTH,
        max_length=BODY_MAX_LENGTH,
        help_text=_("Markdown is supported."),
        error_messages=ANSWER_ERRORS,
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_body(self) -> str:
        return _visible_body(self)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Add a comment"),
        min_length=2,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy_format(
            _("Ask for clarification or add a detail. Up to %(max)d characters."),
            max=COMMENT_MAX_LENGTH,
        ),
        error_messages=COMMENT_ERRORS,
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_body(self) -> str:
        return _visible_body(self)


class EditPostForm(forms.Form):
    """The edit page's form. *mode* (``permissions.edit_mode``): "edit" and "suggest" offer
    the text (and a question's title and tags), "retag" only the tags."""

    title = AskForm.base_fields["title"]
    body = forms.CharField(
        label=_("Text"),
        widget=MarkdownTextarea(rows=12),
        min_length=BODY_MIN_LENGTH,
        max_length=BODY_MAX_LENGTH,
        error_messages=TEXT_ERRORS,
    )
    tags = TagsField()

    def __init__(
        self,
        *args,
        is_question: bool,
        mode: str = "edit",
        user=None,
        before_html: str = "",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.before_html = user, before_html
        if not is_question:
            del self.fields["title"]
            del self.fields["tags"]
        if mode == "retag":
            self.fields.pop("title", None)
            self.fields.pop("body", None)

    clean_title = AskForm.clean_title

    def clean_body(self) -> str:
        return _body_with_allowed_links(self, rendering.render_post, self.before_html)


class VoteForm(forms.Form):
    VALUES = {"up": 1, "down": -1, "clear": 0}
    value = forms.ChoiceField(
        choices=[(key, key) for key in VALUES],
        error_messages={"invalid_choice": _("Unknown vote.")},
    )

    def vote_value(self) -> int:
        return self.VALUES[self.cleaned_data["value"]]


class PreviewForm(forms.Form):
    """The text of a live or ask-page preview: no longer than a post may be."""

    body = forms.CharField(required=False, max_length=BODY_MAX_LENGTH, error_messages=TEXT_ERRORS)
