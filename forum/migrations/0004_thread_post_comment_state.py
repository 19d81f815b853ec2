
from django.conf import settings
from django.db import migrations, models


def deleted_to_state(apps, schema_editor):
    """Today's soft deletions become the deleted state; everything else stays published."""
    for model in ("Thread", "Post", "Comment"):
        apps.get_model("forum", model).objects.filter(is_deleted=True).update(state="deleted")


def state_to_deleted(apps, schema_editor):
    for model in ("Thread", "Post", "Comment"):
        apps.get_model("forum", model).objects.filter(state="deleted").update(is_deleted=True)


class Migration(migrations.Migration):

    dependencies = [
        ('forum', '0003_administrators_manage_pages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='state',
            field=models.CharField(choices=[('published', 'published'), ('pending', 'waiting for review'), ('hidden', 'hidden by a moderator'), ('deleted', 'deleted')], default='published', max_length=10, verbose_name='state'),
        ),
        migrations.AddField(
            model_name='post',
            name='state',
            field=models.CharField(choices=[('published', 'published'), ('pending', 'waiting for review'), ('hidden', 'hidden by a moderator'), ('deleted', 'deleted')], default='published', max_length=10, verbose_name='state'),
        ),
        migrations.AddField(
            model_name='post',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='thread',
            name='state',
            field=models.CharField(choices=[('published', 'published'), ('pending', 'waiting for review'), ('hidden', 'hidden by a moderator'), ('deleted', 'deleted')], default='published', max_length=10, verbose_name='state'),
        ),
        migrations.RunPython(deleted_to_state, state_to_deleted),
        migrations.RemoveField(
            model_name='comment',
            name='is_deleted',
        ),
        migrations.RemoveField(
            model_name='post',
            name='is_deleted',
        ),
        migrations.RemoveField(
            model_name='thread',
            name='is_deleted',
        ),
        migrations.AddIndex(
            model_name='post',
            index=models.Index(fields=['author', 'kind', '-created_at'], name='post_author_kind'),
        ),
        migrations.AddIndex(
            model_name='thread',
            index=models.Index(fields=['author', '-created_at'], name='thread_author_created'),
        ),
        migrations.AddConstraint(
            model_name='comment',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['published', 'pending', 'hidden', 'deleted'])), name='comment_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='post',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['published', 'pending', 'hidden', 'deleted'])), name='post_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='thread',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['published', 'pending', 'hidden', 'deleted'])), name='thread_state_valid'),
        ),
    ]
