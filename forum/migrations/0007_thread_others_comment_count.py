"""Thread.others_comment_count, and a recount of the counters the old races could corrupt.

Deleting the same answer or comment twice at once lowered ``answer_count`` or
``comment_count`` twice, and deleting an answer left ``first_answer_at`` and
``staff_answered_at`` as they were: all are worked out once more from the rows.
"""

from django.db import migrations, models
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

STAFF_ROLES = ("Brand representatives", "Support agents", "Administrators")


def _count(queryset, group_by: str):
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _first(queryset, group_by: str):
    first = queryset.order_by().values(group_by).annotate(at=Min("created_at")).values("at")[:1]
    return Subquery(first, output_field=models.DateTimeField())


def recount(apps, schema_editor):
    Thread = apps.get_model("forum", "Thread")
    Post = apps.get_model("forum", "Post")
    Comment = apps.get_model("forum", "Comment")
    User = apps.get_model("accounts", "User")

    published_comments = Comment.objects.filter(state="published")
    Post.objects.update(
        comment_count=_count(published_comments.filter(post=OuterRef("pk")), "post")
    )

    answers = Post.objects.filter(thread=OuterRef("pk"), kind="answer", state="published")
    staff = User.objects.filter(Q(is_superuser=True) | Q(groups__name__in=STAFF_ROLES))
    others_comments = published_comments.filter(
        post__thread=OuterRef("pk"), post__kind="question"
    ).exclude(author=OuterRef("author"))
    Thread.objects.update(
        answer_count=_count(answers, "thread"),
        first_answer_at=_first(answers, "thread"),
        staff_answered_at=_first(answers.filter(author__in=staff.values("pk")), "thread"),
        others_comment_count=_count(others_comments, "post__thread"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0006_thread_list_indexes_by_state"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="others_comment_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
