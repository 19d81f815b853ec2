"""Every thread solved before the library existed becomes a solution (accepted tier)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Thread = apps.get_model("forum", "Thread")
    Solution = apps.get_model("solutions", "Solution")
    solved = Thread.objects.filter(accepted_answer__isnull=False).exclude(
        pk__in=Solution.objects.values("thread_id")
    )
    batch = []
    for thread_id, answer_id, accepted_at, created_at in solved.values_list(
        "pk", "accepted_answer_id", "accepted_at", "created_at"
    ).iterator():
        batch.append(
            Solution(
                thread_id=thread_id,
                answer_id=answer_id,
                accepted_at=accepted_at or created_at,
                tier="accepted",
            )
        )
        if len(batch) >= 1000:
            Solution.objects.bulk_create(batch)
            batch = []
    Solution.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("solutions", "0001_initial"), ("forum", "0013_thread_language")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
