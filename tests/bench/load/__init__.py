"""The load benchmark (issue #8): gunicorn + PostgreSQL driven over loopback by concurrent HTTP clients."""
