"""Helpers shared by the test suite (database provisioning, …)."""
