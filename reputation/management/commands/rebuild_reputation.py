"""Check every member's stored reputation against the sum of their ledger, and fix it.

    manage.py rebuild_reputation           # fix the differences, then every trust level
    manage.py rebuild_reputation --check   # report only; exit status 1 when any differ

Each difference is printed (username, stored score, ledger sum), then how many members
were checked and how long it took. ``--check`` suits monitoring: it changes nothing.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from reputation import services


class Command(BaseCommand):
    help = (
        "Recompute every member's reputation from the ledger and report each difference; "
        "--check only reports (exit status 1 when there are differences)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report the differences without fixing them; exit status 1 when any exist.",
        )
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, check: bool = False, batch_size: int = 5000, **options):
        started = time.monotonic()
        members = User.objects.count()
        differences = services.rebuild_scores(fix=not check, batch_size=batch_size)
        for difference in differences:
            self.stdout.write(
                f"{difference.username}: stored {difference.stored}, ledger sum {difference.ledger}"
            )
        moved = None if check else services.recompute_trust_levels(batch_size=batch_size)
        seconds = time.monotonic() - started
        summary = f"Checked {members} members in {seconds:.2f} s: "
        if not differences:
            summary += "every stored reputation equals its ledger sum."
        elif check:
            summary += f"{len(differences)} differ from their ledger sum (not fixed)."
        else:
            summary += f"{len(differences)} differed from their ledger sum, now fixed."
        if moved is not None:
            summary += f" Trust levels worked out again: {moved} moved."
        if check and differences:
            raise CommandError(summary, returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
