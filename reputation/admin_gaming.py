"""Wagtail admin: admin_gaming (registered through reputation.wagtail_hooks)."""
