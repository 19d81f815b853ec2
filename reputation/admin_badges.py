"""Wagtail admin: admin_badges (registered through reputation.wagtail_hooks)."""
