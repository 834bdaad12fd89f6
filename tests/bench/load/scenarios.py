"""The three workloads of the load benchmark and what each must prove, checked in the responses and in the database.

a) every member claims the same wish at once: exactly one winner, every other answer `409 wish_already_claimed`,
   one active claim and one audit entry in the database;
b) every member signs up for the same activity at once: exactly `capacity` confirmed, the rest waitlisted with
   positions 1..n in the order the database accepted them (the waitlist order is the insertion order);
c) a mixed read workload (wishes and activities near me, my hours, an organ dashboard) from a fixed number of
   virtual users, beside the bare endpoint driven the same way (the framework's floor).

They only need an address to send to, so the smoke test runs them against pytest-django's live server. The races
also take several (`servers`): member k's request goes to server k mod n, as a load balancer would spread them
(tests/scale/test_two_app_servers.py).
"""

from dataclasses import dataclass, field

from apps.activities import selectors as activity_selectors
from apps.activities.models import Activity, SignUp, SignUpStatus
from apps.ledger.models import AuditEntry
from apps.wishes.models import ClaimStatus, Wish, WishClaim, WishStatus
from tests.bench.load.client import Call, burst, closed_loop, percentile
from tests.bench.load.server import BARE_PATH, SIGNED_IN_PATH

SUCCESS = (200, 201)
API = "/api/v1"


@dataclass
class RaceResult:
    name: str
    requests: int
    statuses: dict  # status → count
    seconds: float  # from the first request sent to the last answer
    p50_ms: float
    max_ms: float
    checks: list = field(default_factory=list)  # (what, passed, detail)
    answers: list = field(default_factory=list, repr=False)  # the Answers, in the order of the members' calls

    @property
    def passed(self):
        return all(ok for _, ok, _ in self.checks)


def _race_result(name, answers, checks):
    latencies = sorted(a.seconds for a in answers)
    statuses = {}
    for answer in answers:
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    first = min(a.started for a in answers)
    last = max(a.started + a.seconds for a in answers)
    return RaceResult(
        name=name,
        requests=len(answers),
        statuses=dict(sorted(statuses.items())),
        seconds=last - first,
        p50_ms=percentile(latencies, 0.5) * 1000,
        max_ms=latencies[-1] * 1000,
        checks=checks,
        answers=answers,
    )


def spread(servers, count):
    """The address of each of `count` requests when they alternate over `servers` (None: no spreading)."""
    return [servers[k % len(servers)] for k in range(count)] if servers else None


def claim_race(address, data, *, servers=None):
    """(a) every member claims the race wish at the same moment (`servers`: spread over those addresses)."""
    path = f"{API}/wishes/{data.race_wish_id}/claim/"
    calls = [Call("claim", "POST", path, session, b"{}") for session in data.member_sessions]
    answers = burst(address, calls, csrf_token=data.csrf_token, addresses=spread(servers, len(calls)))
    n = len(answers)
    winners = [i for i, a in enumerate(answers) if a.status in SUCCESS]
    losers = [a for a in answers if a.status not in SUCCESS]
    claims = list(WishClaim.objects.filter(wish_id=data.race_wish_id))
    audit = AuditEntry.objects.filter(subject_type="wishes.wish", subject_id=data.race_wish_id, action="claim")
    winner_member = data.member_ids[winners[0]] if len(winners) == 1 else None
    checks = [
        ("no 5xx and no failed connection", all(0 < a.status < 500 for a in answers), _odd(answers)),
        ("exactly one 200/201 winner", len(winners) == 1, f"{len(winners)} winners"),
        (
            f"{n - 1} × 409 wish_already_claimed",
            len(losers) == n - 1
            and all(a.status == 409 and a.json().get("code") == "wish_already_claimed" for a in losers),
            _odd(losers, expected=409),
        ),
        (
            "one active claim in the database, by the winner",
            len(claims) == 1 and claims[0].status == ClaimStatus.ACTIVE and claims[0].member_id == winner_member,
            f"{len(claims)} claims",
        ),
        ("the wish is claimed", Wish.objects.get(pk=data.race_wish_id).status == WishStatus.CLAIMED, ""),
        ("one audit entry of the claim", audit.count() == 1, f"{audit.count()} entries"),
    ]
    return _race_result("claim", answers, checks)


def signup_race(address, data, *, servers=None):
    """(b) every member signs up for the race activity at the same moment (`servers`: spread over those addresses)."""
    path = f"{API}/activities/{data.race_activity_id}/signup/"
    calls = [Call("signup", "POST", path, session, b"{}") for session in data.member_sessions]
    answers = burst(address, calls, csrf_token=data.csrf_token, addresses=spread(servers, len(calls)))
    activity = Activity.objects.get(pk=data.race_activity_id)
    capacity, n = activity.capacity, len(answers)
    bodies = [a.json() for a in answers if a.status in SUCCESS]
    confirmed = [b for b in bodies if b.get("status") == SignUpStatus.CONFIRMED]
    waitlisted = [b for b in bodies if b.get("status") == SignUpStatus.WAITLISTED]
    signups = list(SignUp.objects.filter(activity=activity))
    db_confirmed = [s for s in signups if s.status == SignUpStatus.CONFIRMED]
    queue = list(activity_selectors.waitlist(activity=activity).values_list("pk", flat=True))
    inserted = sorted(s.pk for s in signups if s.status == SignUpStatus.WAITLISTED)
    api_positions = {b["id"]: b.get("waitlist_position") for b in waitlisted}
    db_positions = {pk: k + 1 for k, pk in enumerate(queue)}
    last_confirmed = max((s.signed_up_at for s in db_confirmed), default=None)
    first_waiting = min((s.signed_up_at for s in signups if s.status == SignUpStatus.WAITLISTED), default=None)
    checks = [
        ("no 5xx and no failed connection", all(0 < a.status < 500 for a in answers), _odd(answers)),
        ("every sign-up answered 201", all(a.status == 201 for a in answers), _odd(answers, expected=201)),
        (
            f"{capacity} confirmed, {n - capacity} waitlisted (answers)",
            (len(confirmed), len(waitlisted)) == (capacity, n - capacity),
            f"{len(confirmed)} confirmed, {len(waitlisted)} waitlisted",
        ),
        (
            f"{capacity} confirmed in the database and in the counter",
            len(db_confirmed) == activity.confirmed_count == capacity,
            f"{len(db_confirmed)} rows, counter {activity.confirmed_count}",
        ),
        (
            f"waitlist positions 1..{n - capacity}",
            sorted(p for p in api_positions.values() if p is not None) == list(range(1, n - capacity + 1)),
            "",
        ),
        ("the waitlist order is the insertion order", queue == inserted, ""),
        ("each answer's position is its place in the database's waitlist", api_positions == db_positions, ""),
        (
            "every confirmed place was decided before the first waitlisted sign-up",
            last_confirmed is not None and first_waiting is not None and last_confirmed <= first_waiting,
            "",
        ),
    ]
    return _race_result("signup", answers, checks)


def _odd(answers, expected=None):
    """A short description of the answers that are not `expected` (or are 5xx / failed)."""
    odd = [a for a in answers if (a.status != expected if expected else not 0 < a.status < 500)]
    return "; ".join(f"{a.status} {a.error or a.body[:120]!r}" for a in odd[:3])


# --- mixed reads and the floor ----------------------------------------------------------------------------------

# (kind, label, weight): the share of each read in the mixed workload.
MIXED = (
    ("wishes_near", "wish list near me", 30),
    ("activities_near", "activity list near me", 30),
    ("my_hours", "my hours", 25),
    ("dashboard", "organ dashboard", 15),
)
KIND_LABELS = {kind: label for kind, label, _ in MIXED} | {"bare": "bare endpoint", "signed_in": "signed-in bare"}


def mixed_calls(data, user):
    """The weighted reads of virtual user number `user`: a member's session (the dashboard: a reviewer's)."""
    member = data.member_sessions[user % len(data.member_sessions)]
    reviewer = data.reviewer_sessions[user % len(data.reviewer_sessions)]
    near = f"latitude={data.latitude}&longitude={data.longitude}&radius=3000"
    paths = {
        "wishes_near": (f"{API}/wishes/?{near}", member),
        "activities_near": (f"{API}/activities/?{near}", member),
        "my_hours": (f"{API}/service-records/mine/", member),
        "dashboard": (f"{API}/stats/summary/", reviewer),
    }
    return [(weight, Call(kind, "GET", paths[kind][0], paths[kind][1])) for kind, _, weight in MIXED]


def check_reads(address, data):
    """Every read of the mix answers 200 with a non-empty result for its user (so the load reads real rows), and the
    sessions are signed in."""
    from tests.bench.load.client import send

    problems = []
    for _, call in mixed_calls(data, 0):
        answer = send(address, call, csrf_token=data.csrf_token)
        body = answer.json()
        empty = isinstance(body, dict) and "results" in body and not body["results"]
        if answer.status != 200 or empty:
            problems.append(f"{call.kind}: {answer.status} {answer.body[:200]!r}")
    signed_in = send(address, Call("signed_in", "GET", SIGNED_IN_PATH, data.member_sessions[0]), csrf_token="x")
    if (signed_in.status, signed_in.body) != (200, b"ok"):
        problems.append(f"signed-in bare endpoint: {signed_in.status} {signed_in.body[:200]!r} (session not valid?)")
    return problems


def mixed_reads(address, data, *, clients, seconds, warmup, processes):
    users = [mixed_calls(data, u) for u in range(clients)]
    return closed_loop(address, users, csrf_token=data.csrf_token, seconds=seconds, warmup=warmup, processes=processes)


def bare_reads(address, data, *, clients, seconds, warmup, processes, signed_in=False):
    """The floor: the bare endpoint (`signed_in`: its variant that also reads the session and user) with the same
    virtual users and sessions as the mixed reads."""
    kind, path = ("signed_in", SIGNED_IN_PATH) if signed_in else ("bare", BARE_PATH)
    users = [
        [(1, Call(kind, "GET", path, data.member_sessions[u % len(data.member_sessions)]))] for u in range(clients)
    ]
    return closed_loop(address, users, csrf_token=data.csrf_token, seconds=seconds, warmup=warmup, processes=processes)


def summarize(result, kind=None):
    """{requests, rps, p50, p95, p99, max (ms), errors} of a closed-loop result (one kind or all)."""
    latencies = result.latencies(kind)
    count = len(latencies)

    def ms(share):
        value = percentile(latencies, share)
        return None if value is None else value * 1000

    return {
        "requests": count,
        "rps": count / result.seconds if result.seconds else 0.0,
        "p50": ms(0.50),
        "p95": ms(0.95),
        "p99": ms(0.99),
        "max": latencies[-1] * 1000 if latencies else None,
        "errors": len(result.errors(kind)),
    }
