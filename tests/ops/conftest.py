"""Fixtures of the operations tests: a throwaway PostgreSQL database beside the test database, and how to run the
project's commands and scripts against it in other processes (as an operator would)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def server_url(settings_dict, name):
    """A postgres:// URL to database `name` on the server of the test database."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = settings_dict["PASSWORD"]
    auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{auth}{host}:{port}/{name}"


def run(args, *, env, timeout=600, check=True):
    """Run a command in the project directory; on failure show what it printed."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    return done


class Throwaway:
    """A database of its own on the test server, created and dropped around a test (never the suite's test DB)."""

    def __init__(self, settings_dict):
        self.settings_dict = settings_dict
        self.name = f"ops_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = server_url(settings_dict, self.name)

    def _admin(self, sql):
        import psycopg

        conninfo = server_url(self.settings_dict, "postgres").replace("postgres://", "postgresql://", 1)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql)

    def create(self):
        self._admin(f"CREATE DATABASE \"{self.name}\" TEMPLATE template0 ENCODING 'UTF8'")

    def drop(self):
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def env(self, **extra):
        """The environment of a command run against this database: test settings, nothing from a developer's .env
        for the deploy scripts (ENV_FILE=/dev/null)."""
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "server.settings.test",
            "ENV_FILE": "/dev/null",
            "PYTHONDONTWRITEBYTECODE": "1",
            **extra,
        }

    def manage(self, *args, **kwargs):
        return run([sys.executable, "manage.py", *args], env=self.env(), **kwargs)


@pytest.fixture
def throwaway_db():
    db = Throwaway(connection.settings_dict)
    db.create()
    yield db
    db.drop()
