"""The point rules and trust levels a new community starts with (administrators edit them)."""

from django.db import migrations

POINTS = {
    "answer.upvoted": 10,
    "answer.downvoted": -2,
    "question.me_too": 5,
    "vote.downvote_given": -1,
    "answer.accepted": 15,
    "answer.accept_given": 2,
    "solution.verified": 10,
    "edit.approved": 2,
    "post.hidden_as_spam": -100,
    "staff.adjustment": 0,
}

# level, reputation, accepted answers, days visited, privileges unlocked there
LEVELS = [
    (0, 0, 0, 0, []),
    (1, 10, 0, 0, ["post_links", "skip_premoderation", "suggest_edits"]),
    (2, 100, 0, 0, ["downvote", "retag"]),
    (3, 500, 5, 10, ["flag_weight", "edit_others"]),
    (4, 2000, 25, 30, []),
]


def create(apps, schema_editor):
    PointRule = apps.get_model("reputation", "PointRule")
    TrustLevel = apps.get_model("reputation", "TrustLevel")
    for reason, points in POINTS.items():
        PointRule.objects.get_or_create(reason=reason, defaults={"points": points})
    for level, reputation, accepted, days, privileges in LEVELS:
        TrustLevel.objects.get_or_create(
            level=level,
            defaults={
                "min_reputation": reputation,
                "min_accepted_answers": accepted,
                "min_days_visited": days,
                "privileges": privileges,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("reputation", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
