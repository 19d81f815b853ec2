"""Filters that show reputation figures from stored fields, without a query."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format
from django.utils.translation import pgettext

from reputation.models import Level

register = template.Library()


@register.filter
def trust_label(level: int | None) -> str:
    """The name of trust level *level* ("Member"), or "" for a level the ladder lacks."""
    try:
        return str(Level(level).label)
    except ValueError:
        return ""


@register.filter
def short_number(value: int | None) -> str:
    """1,204 as "1,204"; from 10,000 on, "12.3k" and "1.2M" (separators of the language)."""
    if value is None:
        return ""
    value = int(value)
    if abs(value) < 10_000:
        return intcomma(value)
    amount, suffix = value / 1000, pgettext("thousands, as in 12.3k", "k")
    if abs(round(amount)) >= 1000:
        amount, suffix = value / 1_000_000, pgettext("millions, as in 1.2M", "M")
    tenths = round(amount, 1)
    places = 1 if abs(tenths) < 100 and tenths != round(amount) else 0
    return f"{number_format(round(amount, places), places)}{suffix}"
