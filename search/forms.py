"""The search page's parameters, validated: bad ones are dropped with a word, never a 500."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from search.backends.base import Sort, Status

QUERY_MAX_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        strip=True,
        error_messages={
            "max_length": _("Please shorten your search to %(limit_value)d characters.")
        },
    )
    product = forms.IntegerField(required=False, min_value=1)
    tag = forms.CharField(required=False, max_length=60)
    status = forms.ChoiceField(
        required=False, choices=[("", "")] + [(s.value, s.value) for s in Status]
    )
    staff = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes"), ("no", "no")])
    language = forms.ChoiceField(required=False, choices=[("", ""), *settings.LANGUAGES])
    sort = forms.ChoiceField(
        required=False,
        choices=[
            (Sort.RELEVANCE.value, _("Best match")),
            (Sort.NEWEST.value, _("Newest")),
            (Sort.VOTES.value, _("Most votes")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=50)

    def clean(self):
        # A bad narrowing is dropped, the search still runs (the words are never lost).
        data = super().clean()
        for name in list(self.errors):
            if name != "q":
                del self.errors[name]
                data[name] = None
        return data
