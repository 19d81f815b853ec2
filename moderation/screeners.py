"""Moderation's screeners of new posts (``forum.screening``): rate limits first (they
refuse), then pre-moderation by trust level, the administrators' screening rules and the
spam checks (each holds the post for review, saying why)."""

from django.utils.translation import gettext as _

from forum import screening
from moderation import services, spam
from reputation import services as reputation
from reputation.models import Privilege


@screening.screener("moderation.rate_limits")
def rate_limits(submission: screening.Submission) -> list[str]:
    services.check_rate(submission.author, submission.kind)
    return []


@screening.screener("moderation.trust_level")
def trust_level(submission: screening.Submission) -> list[str]:
    """With pre-moderation of new members on, members without the trust ladder's "post
    without waiting for review" privilege (Basic and up by default) are held."""
    from moderation.models import ModerationSettings

    settings_row = ModerationSettings.objects.first()
    if not settings_row or not settings_row.premoderate_new_members:
        return []
    if reputation.has_privilege(submission.author, Privilege.SKIP_PREMODERATION):
        return []
    return [_("a new member whose posts wait for review")]


@screening.screener("moderation.rules")
def rules(submission: screening.Submission) -> list[str]:
    from moderation.models import ScreeningRule

    return [
        _("matches the screening rule “%(rule)s”") % {"rule": rule.note or rule.pattern}
        for rule in ScreeningRule.objects.filter(is_active=True)
        if spam.matches_rule(rule.pattern, rule.is_regex, submission.text)
    ]


@screening.screener("moderation.spam")
def spam_checks(submission: screening.Submission) -> list[str]:
    return spam.check(submission)
