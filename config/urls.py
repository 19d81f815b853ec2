from django.conf import settings
from django.conf.urls.static import static
from django.http import HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.http import require_GET
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from forum import views as forum_views


@require_GET
def health(request):
    """Liveness probe for load balancers (and the benchmark's trivial baseline view)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", health, name="health"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("", include("forum.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
urlpatterns += [
    # Wagtail's pages with the anonymous page cache in front: wagtail.urls' page pattern,
    # leaving its own _util/ views (password-protected pages, front-end log-in) to it.
    re_path(r"^(?!_util/)((?:[\w\-]+/)*)$", forum_views.serve_wagtail_page, name="cached_page"),
    path("", include(wagtail_urls)),
]
