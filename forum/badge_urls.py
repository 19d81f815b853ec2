"""Badge pages (forum.badge_views)."""

urlpatterns: list = []
