"""HTTP clients of the load benchmark, on the standard library only: one request per connection (gunicorn's sync
workers close the connection after each response anyway), session cookies as a browser sends them.

- `burst(calls)`: many requests released together by a barrier, one thread each (the races), to one server or each
  call to its own (several app servers behind one database).
- `closed_loop(...)`: a fixed number of virtual users, each sending its next request as soon as the previous one
  is answered, for a fixed time, spread over a few processes so the client is not held back by one GIL.
"""

import http.client
import json
import math
import multiprocessing
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

TIMEOUT_S = 60


@dataclass(frozen=True)
class Call:
    """One request: `kind` names it in the results; `session` is a session key (or None); `accept` its Accept
    header (the page benchmark, tests/bench/pages, asks for HTML as a browser does); `content_type` that of the body
    (e.g. a multipart upload's, with its boundary)."""

    kind: str
    method: str
    path: str
    session: str | None = None
    body: bytes | None = None
    accept: str = "application/json"
    content_type: str = "application/json"


@dataclass
class Answer:
    kind: str
    status: int  # 0: no HTTP answer (connection refused or reset, timeout)
    started: float  # time.time() when the request was sent
    seconds: float
    body: bytes = b""
    error: str = ""

    def json(self):
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {"raw": self.body[:200].decode(errors="replace")}


def headers_for(call, *, csrf_token, host):
    headers = {"Host": host, "Accept": call.accept, "Connection": "close"}
    cookies = [f"csrftoken={csrf_token}"]
    if call.session:
        cookies.append(f"sessionid={call.session}")
    headers["Cookie"] = "; ".join(cookies)
    if call.method != "GET":
        headers["X-CSRFToken"] = csrf_token
        headers["Content-Type"] = call.content_type
    return headers


def send(address, call, *, csrf_token, keep_body=True, timeout=TIMEOUT_S):
    """Send one call to `address` (host, port) on a new connection and read the whole answer."""
    host, port = address
    headers = headers_for(call, csrf_token=csrf_token, host=f"{host}:{port}")
    started, clock = time.time(), time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(call.method, call.path, body=call.body, headers=headers)
        response = connection.getresponse()
        body = response.read()
        status = response.status
        error = ""
    except (OSError, http.client.HTTPException) as exc:
        status, body, error = 0, b"", f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    return Answer(call.kind, status, started, time.perf_counter() - clock, body if keep_body else b"", error)


def burst(address, calls, *, csrf_token, addresses=None):
    """Send every call at the same moment (one thread each, released by a barrier); answers in the calls' order.
    `addresses`: one per call, to spread the calls over several servers (default: every call to `address`)."""
    addresses = list(addresses) if addresses is not None else [address] * len(calls)
    if len(addresses) != len(calls):
        raise ValueError("one address per call")
    barrier = threading.Barrier(len(calls))

    def one(call, to):
        barrier.wait(timeout=60)
        return send(to, call, csrf_token=csrf_token)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls, addresses))


# --- closed loop ------------------------------------------------------------------------------------------------


def _user_loop(address, mix, csrf_token, seed, start_at, measure_from, stop_at):
    """One virtual user: send a call drawn from `mix` ([(weight, Call)]), wait for the answer, repeat until stop_at.
    Returns (kind, status, seconds) of the calls sent after measure_from (the warm-up is not counted)."""
    rng = random.Random(seed)
    weights = [w for w, _ in mix]
    calls = [c for _, c in mix]
    results = []
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        now = time.time()
        if now >= stop_at:
            break
        call = rng.choices(calls, weights)[0]
        answer = send(address, call, csrf_token=csrf_token, keep_body=False)
        if answer.started >= measure_from:
            results.append((answer.kind, answer.status, answer.seconds, answer.error))
    return results


def _process_main(args):
    address, mixes, csrf_token, seed, start_at, measure_from, stop_at = args
    with ThreadPoolExecutor(max_workers=len(mixes)) as pool:
        futures = [
            pool.submit(_user_loop, address, mix, csrf_token, seed * 1000 + i, start_at, measure_from, stop_at)
            for i, mix in enumerate(mixes)
        ]
        results = []
        for future in futures:
            results.extend(future.result())
    return results


@dataclass
class LoopResult:
    seconds: float  # the measured window
    samples: list  # (kind, status, seconds, error)

    @property
    def count(self):
        return len(self.samples)

    @property
    def throughput(self):
        return self.count / self.seconds if self.seconds else 0.0

    def errors(self, kind=None):
        return [s for s in self.samples if (kind is None or s[0] == kind) and not 200 <= s[1] < 300]

    def latencies(self, kind=None):
        return sorted(s[2] for s in self.samples if kind is None or s[0] == kind)

    def kinds(self):
        return sorted({s[0] for s in self.samples})


def closed_loop(address, user_mixes, *, csrf_token, seconds, warmup=2.0, processes=2, seed=1):
    """Run one virtual user per entry of `user_mixes` (each a [(weight, Call)] list, e.g. with that user's session)
    for `warmup` + `seconds`, spread over `processes` client processes (0: threads here); returns the measured
    window's samples."""
    in_process = processes < 1  # 0: threads of this process only (the smoke test, inside a live server)
    processes = max(1, min(processes, len(user_mixes)))
    shares = [user_mixes[i::processes] for i in range(processes)]
    start_at = time.time() + 0.5 + 0.1 * processes  # every process starts at once
    measure_from = start_at + warmup
    stop_at = measure_from + seconds
    jobs = [(address, share, csrf_token, seed + k, start_at, measure_from, stop_at) for k, share in enumerate(shares)]
    if in_process:
        parts = [_process_main(job) for job in jobs]
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_process_main, jobs)
    samples = [s for part in parts for s in part]
    return LoopResult(seconds=seconds, samples=samples)


def percentile(sorted_values, share):
    """Nearest-rank percentile of already sorted values (None if there are none)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
