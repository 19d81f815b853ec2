"""Index every public thread afresh, with a progress bar.

On Elasticsearch the new index is built beside the old one and swapped in when complete,
so searches go on during a rebuild."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import api, backends, documents


class Command(BaseCommand):
    help = "Rebuild the search index (database, Elasticsearch, or both) from the forum."

    def add_arguments(self, parser):
        parser.add_argument(
            "--backend",
            choices=["all", "database", "elasticsearch"],
            default="all",
            help="Which index to rebuild (default: every configured one).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, backend: str, no_progress: bool, **options):
        chosen = {
            "all": backends.all_backends(),
            "database": [backends.database_backend()],
            "elasticsearch": [b for b in [backends.elasticsearch_backend()] if b],
        }[backend]
        if not chosen:
            raise CommandError("Elasticsearch is not configured: set ELASTICSEARCH_URL.")
        total = len(documents.all_thread_ids())
        for target in chosen:
            with tqdm(
                total=total,
                desc=f"{target.name}",
                unit="thread",
                disable=no_progress,
                file=self.stderr,
            ) as bar:
                try:
                    count = api.rebuild(backend=target, progress=bar.update)
                except backends.BackendUnavailable as exc:
                    raise CommandError(f"{target.name} could not be reached: {exc}") from exc
            self.stdout.write(f"{target.name}: {count} threads indexed")
