"""Truly parallel HTTP requests for concurrency tests: many users POST at once to a live server.

The requests go through urllib from a thread pool, released together by a barrier, authenticated with HTTP Basic
(the test password of tests.factories.UserFactory). pytest-django's live server serves each in its own thread
with its own database connection. Use it with the `parallel_server` fixture of tests/conftest.py.
"""

import base64
import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "pass-word-123"  # tests.factories.UserFactory


def _post(url, phone, barrier, body=None):
    token = base64.b64encode(f"{phone}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=json.dumps(body or {}).encode(),
        method="POST",
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    barrier.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, {"raw": body[:200].decode(errors="replace")}


def post_all(calls):
    """POST every (url, phone) or (url, phone, JSON body) at the same moment; returns [(status, body)] in the same
    order."""
    barrier = threading.Barrier(len(calls))
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(_post, call[0], call[1], barrier, *call[2:]) for call in calls]
        return [future.result(timeout=300) for future in futures]
