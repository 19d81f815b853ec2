from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path, re_path
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
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


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the real one."""
    return HttpResponsePermanentRedirect(static_url("favicon.svg"))


# Not under a language prefix (FORUM_UNPREFIXED_PATHS in the settings lists them).
urlpatterns = [
    path("healthz", health, name="health"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(
            template_name="robots.txt",
            content_type="text/plain",
            extra_context={
                "prefixes": [
                    "" if code == settings.LANGUAGE_CODE else f"/{code}"
                    for code, _name in settings.LANGUAGES
                ]
            },
        ),
        name="robots",
    ),
    path("favicon.ico", favicon),
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
    # Before the forum's: its thread pattern (t/<id>/<slug>/) would take t/<id>/moderate/.
    path("", include("moderation.urls")),
    path("", include("search.urls")),
    path("", include("solutions.urls")),
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
