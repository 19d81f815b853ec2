"""Who works reputation in the Wagtail admin.

Administrators edit the point rules and trust levels, award and revoke badges, adjust
members' reputation and decide gaming cases; brand representatives may award and revoke
badges and decide gaming cases, and see the ledger.
"""

from django.db import migrations

ADMINISTRATORS = [
    ("pointrule", ("view", "change")),
    ("trustlevel", ("view", "change")),
    ("ledgerentry", ("view", "add")),
    ("badgeaward", ("view", "add", "change")),
    ("gamingcase", ("view", "change")),
]
BRAND_REPRESENTATIVES = [
    ("ledgerentry", ("view",)),
    ("badgeaward", ("view", "add", "change")),
    ("gamingcase", ("view", "change")),
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    for group_name, grants in (
        ("Administrators", ADMINISTRATORS),
        ("Brand representatives", BRAND_REPRESENTATIVES),
    ):
        group, _ = Group.objects.get_or_create(name=group_name)
        for model, actions in grants:
            content_type, _ = ContentType.objects.get_or_create(app_label="reputation", model=model)
            for action in actions:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {model}"},
                )
                group.permissions.add(permission)
    admin_access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if admin_access is not None:
        Group.objects.get(name="Brand representatives").permissions.add(admin_access)


class Migration(migrations.Migration):
    dependencies = [
        ("reputation", "0002_default_rules_and_levels"),
        ("accounts", "0002_create_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
