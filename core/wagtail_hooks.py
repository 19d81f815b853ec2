from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from core import admin_views


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "background-work/",
            admin_views.BackgroundWorkView.as_view(),
            name="core_background_work",
        ),
        path("background-work/retry/", admin_views.retry, name="core_background_work_retry"),
    ]


class BackgroundWorkMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW_PERMISSION)


@hooks.register("register_settings_menu_item")
def register_background_work_menu_item():
    return BackgroundWorkMenuItem(
        _("Background work"),
        reverse("core_background_work"),
        name="background-work",
        icon_name="cogs",
        order=1000,
    )


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(
        content_type__app_label="core", codename__in=["view_event", "change_event"]
    )
