"""A moderator can redact an earlier version of a post: who, when and why are kept."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0009_tag_slug_made_once"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="postrevision",
            name="redacted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="postrevision",
            name="redacted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="postrevision",
            name="redaction_reason",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddConstraint(
            model_name="postrevision",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("redacted_at__isnull", True),
                    models.Q(("body_markdown", ""), ("title", "")),
                    _connector="OR",
                ),
                name="revision_redacted_has_no_text",
            ),
        ),
    ]
