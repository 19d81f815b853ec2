"""Reputation's periodic jobs (registered in ``core.periodic``)."""
