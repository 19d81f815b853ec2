"""Count the days members visit (trust levels and streak badges look at them)."""

from django.utils import timezone
from django.utils.functional import empty

from reputation import services


class VisitMiddleware:
    """A member's first page of the day records the visit: one guarded UPDATE a day.

    It looks only after the response, and only when the request already loaded the
    member (every page does; ``/healthz`` and static files do not), so it adds no query
    of its own to any request. Logging in records the visit too
    (``reputation.receivers.logged_in``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(user, "_wrapped", None) is empty:  # a lazy user nobody asked for
            return response
        today = timezone.localdate()
        if user is not None and user.is_authenticated and user.last_visit_on != today:
            services.record_visit(user)
        return response
