"""Staff input for reputation in the Wagtail admin: point rules, the trust ladder, the ledger.

Forms validate and clean; the admin views pass ``cleaned_data`` to ``reputation.services``
(or, for the rule and ladder tables, save the rows their forms edit).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from reputation.models import Level, PointRule, Privilege, Reason, TrustLevel

RULE_POINTS_LIMIT = 1000
ADJUSTMENT_LIMIT = 10000
THRESHOLD_LIMIT = 10_000_000
THRESHOLD_FIELDS = ("min_reputation", "min_accepted_answers", "min_days_visited")
NOTE_LENGTH = 300


class PointRuleForm(forms.ModelForm):
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-RULE_POINTS_LIMIT,
        max_value=RULE_POINTS_LIMIT,
        help_text=_(
            "A whole number from -1000 to 1000 (negative takes points away). A change "
            "applies to points given from now on: entries already in the ledger keep "
            "their points, and undoing one takes back what it gave."
        ),
        error_messages={
            "required": _("Enter the points this reason is worth (0 for none)."),
            "invalid": _("Enter a whole number, such as 10 or -2."),
            "min_value": _("Points cannot be below -1000."),
            "max_value": _("Points cannot be above 1000."),
        },
    )

    class Meta:
        model = PointRule
        fields = ["points"]


def _threshold(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=THRESHOLD_LIMIT,
        error_messages={
            "required": _("Enter a number (0 for none)."),
            "invalid": _("Enter a whole number."),
            "min_value": _("Cannot be below 0."),
            "max_value": _("Cannot be above 10,000,000."),
        },
    )


class TrustLevelForm(forms.ModelForm):
    """One rung of the ladder (its level is fixed: the table has exactly five rows)."""

    min_reputation = _threshold(_("Reputation at least"))
    min_accepted_answers = _threshold(_("Accepted answers at least"))
    min_days_visited = _threshold(_("Days visited at least"))
    privileges = forms.MultipleChoiceField(
        label=_("Privileges unlocked"),
        choices=Privilege.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = TrustLevel
        fields = ["min_reputation", "min_accepted_answers", "min_days_visited", "privileges"]

    def clean_privileges(self) -> list[str]:
        # Stored in the order of the catalogue, so an unchanged row compares equal.
        chosen = set(self.cleaned_data["privileges"])
        return [value for value in Privilege.values if value in chosen]


class BaseTrustLevelFormSet(BaseModelFormSet):
    """The whole ladder, checked as one: each rule below spans the rows."""

    def clean(self) -> None:
        super().clean()
        forms_by_level = {}
        for form in self.forms:
            if form.instance._state.adding:
                raise ValidationError(_("The ladder has a fixed set of levels."))
            forms_by_level[form.instance.level] = form
        if set(forms_by_level) != set(TrustLevel.objects.values_list("level", flat=True)):
            raise ValidationError(_("Send every level of the ladder at once."))
        ladder = [forms_by_level[level] for level in sorted(forms_by_level)]
        self._check_first_level(ladder[0])
        self._check_rising(ladder)
        self._check_privileges_once(ladder)

    @staticmethod
    def _check_first_level(form) -> None:
        for name in THRESHOLD_FIELDS:
            if form.cleaned_data.get(name):
                form.add_error(
                    name,
                    _("The %(level)s level is where everyone starts: it must be 0.")
                    % {"level": Level(Level.NEW).label},
                )

    @staticmethod
    def _check_rising(ladder) -> None:
        for name in THRESHOLD_FIELDS:
            highest, highest_level = None, None
            for form in ladder:
                value = form.cleaned_data.get(name)
                if value is None:
                    continue
                if highest is not None and value < highest:
                    form.add_error(
                        name,
                        _(
                            "Must be at least %(value)s, the figure of the %(level)s level "
                            "below: thresholds cannot go down the ladder."
                        )
                        % {"value": highest, "level": highest_level},
                    )
                    continue
                highest, highest_level = value, form.instance.get_level_display()

    @staticmethod
    def _check_privileges_once(ladder) -> None:
        levels_of: dict[str, list] = {}
        for form in ladder:
            for privilege in form.cleaned_data.get("privileges") or ():
                levels_of.setdefault(privilege, []).append(form)
        for privilege, forms_with_it in levels_of.items():
            if len(forms_with_it) < 2:
                continue
            names = ", ".join(str(form.instance.get_level_display()) for form in forms_with_it)
            for form in forms_with_it:
                form.add_error(
                    "privileges",
                    _(
                        '"%(privilege)s" is ticked at several levels (%(levels)s): a '
                        "privilege is unlocked at one level only, and held above it."
                    )
                    % {"privilege": Privilege(privilege).label, "levels": names},
                )


TrustLevelFormSet = modelformset_factory(
    TrustLevel,
    form=TrustLevelForm,
    formset=BaseTrustLevelFormSet,
    extra=0,
    can_delete=False,
    max_num=len(Level),
    absolute_max=len(Level),
    validate_max=True,
)


def _note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Note"),
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why: kept in the ledger with the entry, for the next person to read."),
        error_messages={
            "required": _("Write a note saying why: the ledger keeps it."),
            "max_length": _("Keep the note under 300 characters."),
        },
    )


class AdjustForm(forms.Form):
    """Staff add or take away points (``reputation.services.adjust``)."""

    member = forms.CharField(
        label=_("Member's username"),
        max_length=150,
        error_messages={"required": _("Enter the username of the member to adjust.")},
    )
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-ADJUSTMENT_LIMIT,
        max_value=ADJUSTMENT_LIMIT,
        help_text=_("Positive adds, negative takes away (-10000 to 10000)."),
        error_messages={
            "required": _("Enter the points to add or take away."),
            "invalid": _("Enter a whole number, such as 50 or -20."),
            "min_value": _("Cannot take away more than 10000 points at once."),
            "max_value": _("Cannot add more than 10000 points at once."),
        },
    )
    note = _note_field()

    def clean_member(self) -> User:
        username = self.cleaned_data["member"].strip()
        member = User.objects.filter(username__iexact=username).first()
        if member is None:
            raise ValidationError(
                _("No member has the username %(username)s."), params={"username": username}
            )
        return member

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise ValidationError(_("An adjustment of 0 points changes nothing."))
        return points

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()


class ReverseForm(forms.Form):
    """Staff cancel one standing entry (``reputation.services.reverse_entry``)."""

    note = _note_field()

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()


class LedgerFilterForm(forms.Form):
    """The ledger list's filters (a GET form: every field optional)."""

    member = forms.CharField(label=_("Member's username"), max_length=150, required=False)
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("Any reason")), *Reason.choices], required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned
