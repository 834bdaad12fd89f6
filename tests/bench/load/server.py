"""The processes under test: a throwaway PostgreSQL cluster (scripts/postgres.sh), gunicorn serving the site with the
benchmark settings (server/settings/bench.py: production's, plus a bare endpoint), both on 127.0.0.1, and the
scheduler (`manage.py runscheduler`) with the same settings."""

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.load.client import Call, send

ROOT = Path(__file__).resolve().parents[3]
POSTGRES_SH = ROOT / "scripts" / "postgres.sh"
BARE_PATH = "/bench/ok/"  # tests/bench/load/urls.py
SIGNED_IN_PATH = "/bench/ok-signed-in/"


def initdb_available():
    """Whether a PostgreSQL server can be started here without installing it (as scripts/postgres.sh looks)."""
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or shutil.which("initdb") is not None


class Cluster:
    """A PostgreSQL cluster of scripts/postgres.sh in its own directory, first port tried `port`."""

    def __init__(self, *, directory, port):
        self.directory = str(directory)
        self.port = port
        self.url = None

    def _script(self, command):
        env = {**os.environ, "PG_DIR": self.directory, "PG_PORT": str(self.port)}
        done = subprocess.run(
            ["bash", str(POSTGRES_SH), command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"scripts/postgres.sh {command} failed:\n{done.stderr[-2000:]}")
        return done.stdout.strip()

    def start(self):
        self.url = self._script("start").splitlines()[-1]
        return self.url

    def stop(self):
        self._script("stop")

    def destroy(self):
        self._script("destroy")

    def postmaster_pid(self):
        return int(Path(self.directory, "data", "postmaster.pid").read_text().split()[0])

    def crash(self):
        """Immediate shutdown (SIGQUIT to the postmaster): every backend dies at once, no checkpoint; the next start
        goes through crash recovery, as after a killed server."""
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGQUIT)
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise RuntimeError("PostgreSQL did not stop after SIGQUIT")

    def database_url(self, name):
        """The URL of database `name` in this cluster."""
        return self.url.rsplit("/", 1)[0] + f"/{name}"


def recreate_database(admin_url, name):
    """Drop and create database `name`, connected to `admin_url` (a database of the same cluster)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def process_cpu_seconds(pid):
    """User + system CPU seconds of a running process (0 if it is gone), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid):
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(found)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url, **extra):
    """The environment of a production-like process on loopback (a throwaway secret key, plain HTTP)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "server.settings.bench",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def gunicorn_command(*, port, workers, worker_class="sync", threads=1, timeout=30):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "server.wsgi:application",
        # Production's configuration (deploy/gunicorn.conf.py: logging, the worker hooks), with the benchmark's
        # address and worker settings on top. Recycling workers every 2,000 requests guards against leaks in
        # production; at the floor's thousand requests a second it would restart each worker every few seconds and
        # measure Python's start-up instead of the framework, so it is off here.
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--max-requests",
        "0",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "5",
        "--backlog",
        "2048",
    ]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    return command


class Gunicorn:
    """gunicorn on 127.0.0.1: started, waited for (the bare endpoint answers), stopped with SIGTERM."""

    def __init__(self, *, env, workers=4, worker_class="sync", threads=1, log_path, port=None):
        self.port = port or free_port()
        self.address = ("127.0.0.1", self.port)
        self.command = gunicorn_command(port=self.port, workers=workers, worker_class=worker_class, threads=threads)
        self.env = env
        self.log_path = Path(log_path)
        self.process = None

    def start(self, wait_s=60):
        return self.launch().wait_ready(wait_s)

    def launch(self):
        """Start the process without waiting for it (several servers start side by side; then wait_ready)."""
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it open)
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=log, stderr=log)
        log.close()
        return self

    def wait_ready(self, wait_s=60):
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: see {self.log_path}")
            answer = send(self.address, Call("ready", "GET", BARE_PATH), csrf_token="x", timeout=5)
            if answer.status == 200:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {wait_s} s: see {self.log_path}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Scheduler:
    """`manage.py runscheduler` with the environment of `server_env` (production's settings), its log in a file
    (LOG_LEVEL INFO: the election's lines). Stopped with SIGTERM (a clean shutdown) or killed with SIGKILL."""

    def __init__(self, *, env, log_path, poll_s=None):
        self.env = {**env, "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
        self.command = [sys.executable, "manage.py", "runscheduler"]
        if poll_s is not None:
            self.command += ["--poll", str(poll_s)]
        self.log_path = Path(log_path)
        self.process = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def led(self):
        return "became leader" in self.log()

    def waits(self):
        return "waiting as standby" in self.log()

    def running(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """kill -9: no clean shutdown, the leadership goes only with the process's database connection."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
