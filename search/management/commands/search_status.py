"""How the search index is doing: documents, index updates waiting (lag) and failures."""

from django.core.management.base import BaseCommand

from search import status


class Command(BaseCommand):
    help = "Show the search backends' documents, waiting index updates and failures."

    def handle(self, *args, **options):
        current = status.current()
        self.stdout.write(f"Public threads: {current.public_threads}")
        self.stdout.write(f"Searches answered by: {current.primary}")
        if current.outage_since:
            self.stdout.write(f"Fell back to the database since: {current.outage_since}")
        for entry in current.backends:
            documents = "unreachable" if entry.documents is None else entry.documents
            self.stdout.write(f"\n[{entry.name}]")
            self.stdout.write(f"  documents: {documents}")
            if entry.error:
                self.stdout.write(f"  error: {entry.error}")
            lag = (
                f"{entry.waiting} waiting, oldest {entry.oldest_waiting_seconds:.0f} s"
                if entry.waiting
                else "none waiting"
            )
            self.stdout.write(f"  index updates: {lag}")
            self.stdout.write(f"  failing: {entry.failing}")
            if entry.last_error:
                self.stdout.write(f"  last error: {entry.last_error}")
