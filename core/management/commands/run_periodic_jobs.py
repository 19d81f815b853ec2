"""Run the periodic jobs that are due, once each (cron calls this every minute)."""

from django.core.management.base import BaseCommand

from core import periodic


class Command(BaseCommand):
    help = "Run the periodic jobs that are due. Safe to run on many hosts at once."

    def add_arguments(self, parser):
        parser.add_argument("--job", action="append", help="only this job (repeatable)")
        parser.add_argument("--list", action="store_true", help="list the jobs and stop")

    def handle(self, *args, **options):
        if options["list"]:
            for name, job in sorted(periodic.JOBS.items()):
                self.stdout.write(f"{name}\tevery {job.every}")
            return
        outcomes = periodic.run_due_jobs(only=options["job"])
        labels = {True: "ran", False: "failed", None: "not due or running elsewhere"}
        for name, outcome in outcomes.items():
            self.stdout.write(f"{name}: {labels[outcome]}")
        if False in outcomes.values():
            raise SystemExit(1)
