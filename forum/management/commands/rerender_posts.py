"""Rebuild every post's and comment's HTML from its kept Markdown.

Run after the sanitiser's allow-list or the Markdown extensions change.
"""

from django.core.management.base import BaseCommand

from forum import caching, services


class Command(BaseCommand):
    help = "Re-render the HTML of all posts and comments from their Markdown."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        posts, comments = services.rerender_content(batch_size=options["batch_size"])
        caching.drop_everything()
        self.stdout.write(self.style.SUCCESS(f"Re-rendered {posts} posts and {comments} comments."))
