from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.http import require_GET
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import doors
from forum import views as forum_views
from forum.sitemaps import SITEMAPS


@require_GET
def health(request):
    """Liveness probe for load balancers (and the benchmark's trivial baseline view)."""
    return HttpResponse("ok", content_type="text/plain")


# Not under a language prefix (FORUM_UNPREFIXED_PATHS in the settings lists them).
urlpatterns = [
    path("healthz", health, name="health"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # Wagtail's log-in and password reset send everyone on to allauth's (accounts/doors.py).
    path("admin/login/", doors.admin_login),
    re_path(r"^admin/password_reset/(?P<rest>.*)$", doors.password_reset),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The site itself: English unprefixed, other languages under /de/, /it/, /pl/, /ru/, so
# every anonymous page is one URL per language that any visitor (and a proxy) shares.
urlpatterns += i18n_patterns(
    # The most visited pages first: URLs are tried in order.
    path("", forum_views.serve_wagtail_page, {"path": ""}, name="home"),
    path("c/", forum_views.serve_wagtail_page, {"path": "c/"}, name="products"),
    path("", include("forum.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    # Wagtail's pages with the page cache in front: wagtail.urls' page pattern, leaving
    # its own _util/ views (password-protected pages, front-end log-in) to it.
    re_path(r"^(?!_util/)((?:[\w\-]+/)*)$", forum_views.serve_wagtail_page, name="cached_page"),
    path("_util/login/", doors.page_login),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
