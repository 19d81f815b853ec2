"""Wagtail admin: admin_ledger (registered through reputation.wagtail_hooks)."""
