"""The Administrators role may use the Wagtail admin and manage every page of the site."""

from django.db import migrations

PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "delete_page",
    "publish_page",
    "lock_page",
    "unlock_page",
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Page = apps.get_model("wagtailcore", "Page")

    admins, _ = Group.objects.get_or_create(name="Administrators")
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access, _ = Permission.objects.get_or_create(
        content_type=admin_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    admins.permissions.add(access)
    page_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    home = Page.objects.filter(depth=2).order_by("path").first()
    if home is None:
        return
    for codename in PAGE_PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=page_type,
            codename=codename,
            defaults={"name": codename.replace("_", " ").capitalize()},
        )
        GroupPagePermission.objects.get_or_create(group=admins, page=home, permission=permission)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0002_create_home_and_product_index"),
        ("accounts", "0002_create_role_groups"),
        ("wagtailadmin", "0005_editingsession_is_editing"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
