"""The Wagtail admin's view of background work: events and tasks waiting, failing, retrying.

Administrators see what the outbox has not delivered yet, the event tasks that are not
done, the failed django-tasks results (database backend) and the periodic jobs, and can
retry any of them at once. Retrying goes through ``core.events`` like the sweep does.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core import events, periodic
from core.models import Event, EventTask, PeriodicJobState

LIST_LENGTH = 100
VIEW_PERMISSION = "core.view_event"
RETRY_PERMISSION = "core.change_event"


def _failed_task_results():
    """Failed django-tasks results, when tasks are kept in the database."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends["default"], DatabaseBackend):
        return None
    return DBTaskResult.objects.failed().order_by("-finished_at")[:LIST_LENGTH]


class BackgroundWorkView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Background work")
    header_icon = "cogs"
    template_name = "core/background_work.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        undelivered = Event.objects.filter(delivered_at__isnull=True).order_by("created_at")
        unfinished = (
            EventTask.objects.exclude(status=EventTask.Status.DONE)
            .select_related("event")
            .order_by("next_attempt_at")
        )
        context.update(
            events=undelivered[:LIST_LENGTH],
            event_count=undelivered.count(),
            tasks=unfinished[:LIST_LENGTH],
            task_count=unfinished.count(),
            failed_results=_failed_task_results(),
            jobs=[
                (name, job, PeriodicJobState.objects.filter(name=name).first())
                for name, job in sorted(periodic.JOBS.items())
            ],
            can_retry=self.request.user.has_perm(RETRY_PERMISSION),
        )
        return context


@require_POST
def retry(request: HttpRequest) -> HttpResponse:
    """Try the chosen events, event tasks or failed task results again, now."""
    if not request.user.has_perm(RETRY_PERMISSION):
        raise PermissionDenied
    event_ids = [int(pk) for pk in request.POST.getlist("event") if pk.isdigit()]
    task_ids = [int(pk) for pk in request.POST.getlist("task") if pk.isdigit()]
    events.retry_now(events=event_ids, tasks=task_ids)
    for event_id in event_ids:
        events.dispatch(event_id)
    for task_id in task_ids:
        events.enqueue_again(task_id)
    result_ids = request.POST.getlist("result")
    retried_results = _retry_results(result_ids) if result_ids else 0
    count = len(event_ids) + len(task_ids) + retried_results
    messages.success(request, _("Tried again: %(count)d.") % {"count": count})
    return redirect("core_background_work")


def _retry_results(result_ids: list[str]) -> int:
    from django_tasks_db.models import DBTaskResult

    count = 0
    for result in DBTaskResult.objects.failed().filter(id__in=result_ids):
        result.task.enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.delete()
        count += 1
    return count
