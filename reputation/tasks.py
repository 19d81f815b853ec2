"""Background work of reputation. Thin: each task loads ids and calls a service."""

from django_tasks import task

from reputation import badges, services


@task()
def check_badges(event_id: int, member_ids: list[int]) -> None:
    """Award the badges *member_ids* have earned (idempotent: awards are unique)."""
    for member_id in member_ids:
        badges.check_member(member_id)


@task()
def recompute_levels(event_id: int) -> None:
    """Work every member's trust level out again after the thresholds changed."""
    services.recompute_trust_levels()
