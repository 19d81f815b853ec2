"""The default flag reasons, the settings row, and who edits moderation's lists.

Administrators edit every list; brand representatives write canned replies, keep the
blocked domains and see the other lists.
"""

from django.db import migrations

from moderation.defaults import FLAG_REASONS

MODELS = ["flagreason", "cannedreply", "screeningrule", "blockeddomain", "productqueuetarget"]
ADMINISTRATORS = [(model, ("add", "change", "delete", "view")) for model in MODELS] + [
    ("moderationsettings", ("change", "view"))
]
BRAND_REPRESENTATIVES = [
    ("cannedreply", ("add", "change", "delete", "view")),
    ("flagreason", ("view",)),
    ("screeningrule", ("view",)),
    ("blockeddomain", ("add", "change", "delete", "view")),
]


def create(apps, schema_editor):
    FlagReason = apps.get_model("moderation", "FlagReason")
    ModerationSettings = apps.get_model("moderation", "ModerationSettings")
    for code, label, description, needs_text, needs_thread, weight, order in FLAG_REASONS:
        FlagReason.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "description": description,
                "needs_text": needs_text,
                "needs_thread": needs_thread,
                "extra_weight": weight,
                "sort_order": order,
            },
        )
    if not ModerationSettings.objects.exists():
        ModerationSettings.objects.create(pk=1)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for group_name, grants in (
        ("Administrators", ADMINISTRATORS),
        ("Brand representatives", BRAND_REPRESENTATIVES),
    ):
        group, _ = Group.objects.get_or_create(name=group_name)
        for model, actions in grants:
            content_type, _ = ContentType.objects.get_or_create(app_label="moderation", model=model)
            for action in actions:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {model}"},
                )
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
