"""The embedded worker: runs background tasks and, every minute, the due periodic jobs.

With the database task backend (the default) it runs django-tasks-db's worker loop and
calls the periodic jobs from a thread beside it. With another backend (RQ at scale has
its own workers: ``manage.py rqworker``) it only calls the periodic jobs, so it can
stand in for cron. Ctrl-C or SIGTERM stops it.
"""

import contextlib
import logging
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django_tasks import task_backends

from core import periodic

logger = logging.getLogger(__name__)


def _periodic_loop(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        close_old_connections()
        try:
            periodic.run_due_jobs()
        except Exception:  # the database may be briefly away: try again next turn
            logger.exception("Running the periodic jobs failed")
        finally:
            connections.close_all()
        stop.wait(interval)


class Command(BaseCommand):
    help = "Run background tasks (database backend) and the periodic jobs every minute."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between runs")
        parser.add_argument("--no-periodic", action="store_true", help="tasks only")

    def handle(self, *args, **options):
        from django_tasks_db.backend import DatabaseBackend

        stop = threading.Event()
        database_backend = isinstance(task_backends["default"], DatabaseBackend)
        if options["no_periodic"] and not database_backend:
            self.stderr.write("Nothing to do: no database task backend and --no-periodic.")
            return
        if options["no_periodic"]:
            call_command("db_worker", interval=1, reload=False, queue_name="*")
            return
        if not database_backend:
            self.stdout.write("Running the periodic jobs every minute (tasks run elsewhere).")
            with contextlib.suppress(KeyboardInterrupt):
                _periodic_loop(stop, options["interval"])
            return
        thread = threading.Thread(
            target=_periodic_loop, args=(stop, options["interval"]), daemon=True
        )
        thread.start()
        try:
            call_command("db_worker", interval=1, reload=False, queue_name="*")
        finally:
            stop.set()
