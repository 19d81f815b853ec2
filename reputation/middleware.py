"""Count the days members visit (trust levels and streak badges look at them)."""

from django.utils import timezone

from reputation import services


class VisitMiddleware:
    """The first request of a member's day records the visit: one guarded UPDATE a day.

    Logging in records it too (``reputation.receivers.logged_in``), so this only acts for
    members whose session outlives a day.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if user.last_visit_on != timezone.localdate():
            services.record_visit(user)
        return self.get_response(request)
