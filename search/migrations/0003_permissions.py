"""Who edits synonyms and reads the search reports: administrators and brand
representatives edit synonyms; every staff role reads the content gaps
(``search.permissions`` decides; these grants make Wagtail's synonym editor agree)."""

from django.db import migrations

GRANTS = {
    "Administrators": [("synonym", ("add", "change", "delete", "view"))],
    "Brand representatives": [("synonym", ("add", "change", "delete", "view"))],
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for group_name, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        for model, actions in grants:
            content_type, _ = ContentType.objects.get_or_create(app_label="search", model=model)
            for action in actions:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {model}"},
                )
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_full_text_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
