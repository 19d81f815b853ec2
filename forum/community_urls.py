"""Leaderboards and member pages (forum.community_views)."""

urlpatterns: list = []
