"""Leaderboards and member pages (forum.community_views)."""

from django.urls import path

from forum import community_views

urlpatterns = [
    path("u/<str:username>/", community_views.profile, name="profile"),
    path("leaderboard/", community_views.leaderboard, name="leaderboard"),
]
