"""Fault tests: the application under failures of what it depends on (the database, a crash mid-request)."""
