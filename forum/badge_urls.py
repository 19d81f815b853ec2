"""Badge pages (forum.badge_views)."""

from django.urls import path

from forum import badge_views

urlpatterns = [
    path("badges/", badge_views.badge_list, name="badges"),
    path("badges/<str:code>/", badge_views.badge_detail, name="badge"),
]
