"""Support agents read search's staff reports (content gaps, deflection) in the Wagtail
admin: they need to reach it. (Brand representatives got admin access with reputation's
staff permissions; administrators have it.)"""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin_access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if admin_access is not None:
        group, _ = Group.objects.get_or_create(name="Support agents")
        group.permissions.add(admin_access)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_embeddings"),
        ("accounts", "0002_create_role_groups"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
