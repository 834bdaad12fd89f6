"""Gunicorn settings for the platform (docs/deployment.md): several sync workers on a loopback port behind nginx."""

import gc
import multiprocessing
import os

# nginx on the same machine is the only client; a loopback port (not a public one) keeps gunicorn off the network.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: each request holds one worker and one database connection. Two per core plus one is gunicorn's
# rule of thumb; PostgreSQL's max_connections must exceed the sum over all app servers (plus the scheduler's two).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request running longer than this is killed (its transaction rolls back); Excel exports of a whole city take a
# few seconds, nothing legitimate takes 60. nginx's proxy_read_timeout is set just above it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30  # on reload/stop, in-flight requests get this long to finish
keepalive = 5  # nginx keeps upstream connections open (upstream keepalive)
# Workers are recycled after a number of requests (with jitter so they do not all restart at once): a slow leak in
# any library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The application is loaded in each worker, not in the master: `systemctl reload` (HUP) then starts workers on the
# new code after an upgrade without dropping connections.
preload_app = False
# Trust X-Forwarded-Proto only from the proxy on this machine (Django's SECURE_PROXY_SSL_HEADER reads it too).
forwarded_allow_ips = "127.0.0.1,::1"
# Logs to standard error: systemd's journal collects them (journalctl -u dual-reporting-gunicorn).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%({x-forwarded-for}i)s"'
proc_name = "dual-reporting"


def post_worker_init(worker):
    """Once Django is loaded in the worker: move everything loaded so far out of the garbage collector's reach
    (gc.freeze) and collect the young generation less often. A full collection otherwise walks the ~140,000 objects
    of the loaded application, a pause of about 100 ms in whichever request triggers it; frozen, about 30 ms, and the
    collector's share of each request drops by about a third (measured in docs/performance.md)."""
    gc.freeze()
    gc.set_threshold(5000, 10, 10)
