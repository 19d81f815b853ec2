"""Reputation in the Wagtail admin: each part registers its own hooks in its module."""

from reputation import admin_badges, admin_gaming, admin_ledger  # noqa: F401
