"""The Administrators role may see background work and retry it (core.admin_views)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    admins, _ = Group.objects.get_or_create(name="Administrators")
    event_type, _ = ContentType.objects.get_or_create(app_label="core", model="event")
    for codename, name in (("view_event", "Can view event"), ("change_event", "Can change event")):
        permission, _ = Permission.objects.get_or_create(
            content_type=event_type, codename=codename, defaults={"name": name}
        )
        admins.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0004_thread_post_comment_state"),
        ("core", "0001_outbox_and_periodic_jobs"),
        ("accounts", "0002_create_role_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
