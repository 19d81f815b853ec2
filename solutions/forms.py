from django import forms
from django.utils.translation import gettext_lazy as _

from solutions.models import FEEDBACK_COMMENT_MAX_LENGTH, VERSIONS_MAX_LENGTH


class VerifyForm(forms.Form):
    versions = forms.CharField(
        label=_("Product versions it applies to"),
        required=False,
        max_length=VERSIONS_MAX_LENGTH,
        help_text=_("Separate them with commas, e.g. 2.1, 2.2. Leave empty for every version."),
        error_messages={
            "max_length": _("Please keep the versions under %(limit_value)d characters.")
        },
    )
    review_by = forms.DateField(
        label=_("Check it again by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("After this date the solution shows “may be outdated” until verified again."),
        error_messages={"invalid": _("Please enter a date like 2027-06-30.")},
    )


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Did this solve your problem?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        error_messages={"required": _("Please answer yes or no.")},
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=FEEDBACK_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": _("Please keep your comment under %(limit_value)d characters.")
        },
    )
