import importlib

import pytest
from django.apps import apps

_defaults = importlib.import_module("reputation.migrations.0002_default_rules_and_levels")


@pytest.fixture
def reputation_defaults(db):
    """The point rules and trust levels of the data migration (a flushed database has none)."""
    _defaults.create(apps, None)
