"""What a notification is about, and where it leads: the page its recipient works on, the API address of the same
thing, and the absolute page URL an e-mail carries.

A notification stores its subject (a type, an object id, and a few parameters where one object is not enough), never
a URL, so that each face builds its own address and a renamed page never leaves dead links in old messages. The
recipient's page follows from the kind: each kind goes to one audience (reminders and promotions to the member,
claims and expiries of a wish to the community staff who posted it, failed jobs to the superusers).
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from apps.notifications.models import NotificationKind, SubjectType


@dataclass(frozen=True)
class Subject:
    type: str
    id: int | None = None
    params: dict = field(default_factory=dict)


def wish(pk):
    return Subject(SubjectType.WISH, pk)


def activity(pk):
    return Subject(SubjectType.ACTIVITY, pk)


def registration(pk=None):
    """A member's registration; None: their registration whatever it is (e.g. "you have not registered yet")."""
    return Subject(SubjectType.REGISTRATION, pk)


def resident_request(pk):
    return Subject(SubjectType.RESIDENT_REQUEST, pk)


def team(pk):
    return Subject(SubjectType.TEAM, pk)


def household_pairing(pairing):
    return Subject(SubjectType.HOUSEHOLD_PAIRING, pairing.pk, {"household": pairing.household_id})


def zero_service(*, party_org_id, start, end):
    """The members of a party organization without service from `start` to `end` (dates)."""
    return Subject(SubjectType.ZERO_SERVICE, party_org_id, {"start": start.isoformat(), "end": end.isoformat()})


def job_runs(job, *, failed_only=False):
    params = {"job": job}
    if failed_only:
        params["outcome"] = "failed"
    return Subject(SubjectType.JOB_RUNS, None, params)


# The kinds whose wish is the staff's (the staff who posted it hear of its claim or expiry); other wish kinds go to
# whoever claimed it, who sees it on the member pages.
_STAFF_WISH_KINDS = frozenset({NotificationKind.WISH_CLAIMED, NotificationKind.WISH_EXPIRED})
# A kind without a subject still leads somewhere useful: a member with no service this quarter to the wishes and
# activities near home; the daily ledger seal to the dashboard, whose panel shows the seal and its last verification.
_KIND_PAGES = {NotificationKind.NO_SERVICE_QUARTER: "member:home", NotificationKind.LEDGER_SEAL: "dashboard:home"}
_KIND_API_PATHS = {
    NotificationKind.NO_SERVICE_QUARTER: "/api/v1/activities/",
    NotificationKind.LEDGER_SEAL: "/api/v1/ledger/seal/",
}


def page_path(notification):
    """The path of the page the recipient uses for what the notification is about, or "" when none shows it."""
    kind, pk, params = notification.kind, notification.subject_id, notification.subject_params or {}
    match notification.subject_type:
        case SubjectType.WISH:
            return reverse("staff:wish-detail" if kind in _STAFF_WISH_KINDS else "member:wish", args=[pk])
        case SubjectType.ACTIVITY:
            return reverse("member:activity", args=[pk])
        case SubjectType.REGISTRATION:
            return reverse("profile:registration")
        case SubjectType.RESIDENT_REQUEST:
            return reverse("staff:resident-request", args=[pk])
        case SubjectType.HOUSEHOLD_PAIRING:
            if kind == NotificationKind.HOUSEHOLD_VISIT_OVERDUE:
                return reverse("staff:household", args=[params["household"]])
            return reverse("member:household", args=[pk])
        case SubjectType.TEAM:
            # Only the team's managers hear of the team itself (its leader left): they set the new leader there.
            return reverse("manage:team-detail", args=[pk])
        case SubjectType.ZERO_SERVICE:
            query = {"node": f"party_org:{pk}", "kind": "range", "start": params["start"], "end": params["end"]}
            return f"{reverse('dashboard:zero_service')}?{urlencode(query)}"
        case SubjectType.JOB_RUNS:
            query = {"job__exact": params["job"]}
            if params.get("outcome"):
                query["outcome__exact"] = params["outcome"]
            return f"{reverse('admin:jobs_jobrun_changelist')}?{urlencode(query)}"
    name = _KIND_PAGES.get(kind)
    return reverse(name) if name else ""


def api_path(notification):
    """The API address of what the notification is about (what an app calls), or ""."""
    pk, params = notification.subject_id, notification.subject_params or {}
    match notification.subject_type:
        case SubjectType.WISH:
            return f"/api/v1/wishes/{pk}/"
        case SubjectType.ACTIVITY:
            return f"/api/v1/activities/{pk}/"
        case SubjectType.REGISTRATION:
            return f"/api/v1/registrations/{pk}/" if pk else "/api/v1/registrations/"
        case SubjectType.RESIDENT_REQUEST:
            return f"/api/v1/resident-requests/{pk}/"
        case SubjectType.HOUSEHOLD_PAIRING:
            return f"/api/v1/household-pairings/{pk}/"
        case SubjectType.TEAM:
            return f"/api/v1/teams/{pk}/"
        case SubjectType.ZERO_SERVICE:
            query = {"level": "party_org", "id": pk, "start": params["start"], "end": params["end"]}
            return f"/api/v1/stats/zero-service/?{urlencode(query)}"
        case SubjectType.JOB_RUNS:
            query = {"job": params["job"], **({"outcome": params["outcome"]} if params.get("outcome") else {})}
            return f"/api/v1/job-runs/?{urlencode(query)}"
    return _KIND_API_PATHS.get(notification.kind, "")


def absolute_url(path):
    """The path as an absolute URL on SITE_URL, or "" when SITE_URL is not set (a relative path means nothing in a
    mail)."""
    if not path:
        return ""
    site_url = getattr(settings, "SITE_URL", "") or ""
    if not site_url:
        return ""
    return f"{site_url.rstrip('/')}/{path.lstrip('/')}"


def page_url(notification):
    """The recipient's page as an absolute URL (for e-mails), or ""."""
    return absolute_url(page_path(notification))
