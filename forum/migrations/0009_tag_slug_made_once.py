"""A tag's slug is made once, when the tag is (forum.services), and not edited after."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0008_tag_identity_by_normalised_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tag",
            name="slug",
            field=models.SlugField(
                allow_unicode=True, editable=False, max_length=40, unique=True, verbose_name="slug"
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=models.Q(("name", ""), _negated=True), name="tag_name_not_empty"
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=models.Q(("slug", ""), _negated=True), name="tag_slug_not_empty"
            ),
        ),
    ]
