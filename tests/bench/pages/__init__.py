"""The page benchmark (issue #19): the member pages, signed in, each alone against gunicorn + PostgreSQL."""
