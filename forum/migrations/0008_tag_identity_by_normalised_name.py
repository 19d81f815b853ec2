"""Tags are identified by their normalised name; a slug is made once and kept.

Tags used to be looked up by slug, so "c#", "c++" and "c" all landed on the one tag
made first (its slug "c"). From now on each normalised name is its own tag. Existing rows:

- tags whose names normalise alike ("WiFi", and "wifi" in full-width letters) are merged into the oldest, which
  takes the normalised name and keeps its slug; their threads move to it;
- a tag whose name holds "#" or "+" got a slug that dropped them ("c" for "c#"): it gets
  the slug the new rule gives ("c-sharp"), so "c" is free for the tag "c". Threads that
  were filed under it as "c", "c++" or "c#" cannot be told apart any more: they stay on
  it, and their askers can retag them;
- every other slug stays as it is.

The rules are copied here as they were when this migration was written. The schema
changes follow in the next migration: PostgreSQL alters no table in the transaction that
changed its rows.
"""

import unicodedata
from collections import defaultdict

from django.db import migrations
from django.utils.text import slugify

NAME_MAX_LENGTH = 30
SLUG_MAX_LENGTH = 40
SLUG_WORDS = str.maketrans({"#": " sharp ", "+": " plus "})


def normalize(name: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def slug_base(name: str) -> str:
    slug = slugify(name.translate(SLUG_WORDS), allow_unicode=True)
    return slug[: SLUG_MAX_LENGTH - 4].strip("-") or "tag"


def free_slug(base: str, taken: set[str]) -> str:
    n = 1
    while (candidate := base if n == 1 else f"{base}-{n}") in taken:
        n += 1
    return candidate


def tidy_tags(apps, schema_editor):
    Tag = apps.get_model("forum", "Tag")
    Thread = apps.get_model("forum", "Thread")
    tagging = Thread.tags.through

    groups = defaultdict(list)
    for tag in Tag.objects.order_by("pk"):
        groups[normalize(tag.name)[:NAME_MAX_LENGTH] or f"tag-{tag.pk}"].append(tag)
    for name, (keeper, *others) in groups.items():
        for other in others:
            has_keeper = tagging.objects.filter(tag_id=keeper.pk).values("thread_id")
            tagging.objects.filter(tag_id=other.pk).exclude(thread_id__in=has_keeper).update(
                tag_id=keeper.pk
            )
            other.delete()  # and its remaining links: threads that had both
        if keeper.name != name:
            keeper.name = name
            keeper.save(update_fields=["name"])

    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.order_by("pk"):
        base = slug_base(tag.name)
        lossy = any(char in tag.name for char in "#+")
        if tag.slug and not lossy:
            continue
        if tag.slug == base or (
            tag.slug.startswith(f"{base}-") and tag.slug[len(base) + 1 :].isdigit()
        ):
            continue
        taken.discard(tag.slug)
        tag.slug = free_slug(base, taken)
        taken.add(tag.slug)
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0007_thread_others_comment_count"),
    ]

    operations = [
        migrations.RunPython(tidy_tags, migrations.RunPython.noop),
    ]
