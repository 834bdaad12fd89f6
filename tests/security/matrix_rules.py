"""The rule table of the permission matrix (tests/security/test_permission_matrix.py): one rule per route.

A rule is ``R(obj, GET=spec, POST=spec, ...)``:

- ``obj`` names the kind of object the route takes (a key of ``Sides.objects`` in the test: "wish", "activity",
  "signup", ...), or None for a route without one. Its primary key (or code) fills the path parameter, or
  ``{pk}`` in ``query=`` for the routes that take their object in the query string (statistics and the
  dashboard: ``query="level=organ&id={pk}"``); ``path=`` fixes other path parameters (``path={"kind": "members"}``).
- ``body=`` is the JSON body of the API's unsafe methods (default: empty). Where a view validates its input before
  it asks the service whether the user may act, an empty body answers 400 to everyone and says nothing about
  authorization: such routes get a valid body, so a refused role meets the service's 403/404. A string value
  "{branch_b}" is replaced by that object's id (see ``Sides.ids`` in the test); "{start}", "{today}" and the like
  by a time relative to now (``Sides.times``).
- ``per_side=True`` (a create, which has no object in its path): the request is sent twice, with the body's
  "{grid}", "{community}", "{member}", "{branch}", "{committee}" or "{organ}" naming side A's object, then side B's;
  the spec then gives A/B outcomes as for an object route.
- ``roles=`` limits a costly route whose answer is the same for everyone (the OpenAPI schema) to some roles.
- one spec per method the route serves; GET is always there (a POST-only route answers GET with 405).
- a spec is whitespace-separated ``roles=outcome`` tokens. ``roles`` is one role, several joined by commas, or
  ``*`` for every role not named elsewhere in the spec. The roles are ``anon`` (not logged in) and the ``world``
  fixture's: member, other_member, staff, grid_worker, secretary, reviewer, street_admin, district_admin, superuser,
  outsider. Every user but other_member sits on side A; other_member's organ, branch and home are on side B.
- ``outcome`` is one outcome for both sides (or for a route without an object), or ``A/B``: the outcome on the
  side-A object, then on the side-B one. Outcomes:
    ok     got through authorization: 2xx, a redirect other than to the login page, or 400/409/422 (the empty body
           or the object's state was refused, not the user)
    login  a web page's redirect to the login page (anonymous)
    401    "authenticate first" (not used today: DRF answers an anonymous API request 403, because the first
           authentication class, the session's, sends no WWW-Authenticate challenge)
    403    the role may not do this at all
    404    the object is outside the user's scope (or the role cannot see such objects at all)
    (a web page's button that flashes a Forbidden or NotFound domain error and redirects counts as 403 or 404)
    405    the method is not served (GET on a POST-only button)
  A 5xx is never expected.
"""

from dataclasses import dataclass

# The admin's routes are left out of RULES; one rule covers them all: staff only (test_admin_is_for_staff_only).
ADMIN_PREFIX = "/admin/"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ROLES = (
    "anon",
    "member",
    "other_member",
    "staff",
    "grid_worker",
    "secretary",
    "reviewer",
    "street_admin",
    "district_admin",
    "superuser",
    "outsider",
)
OUTCOMES = ("ok", "login", "401", "403", "404", "405")


def parse(spec, *, with_object):
    """A spec as {role: (outcome on A, outcome on B)}; raises ValueError on anything malformed or incomplete."""
    table, default = {}, None
    for token in spec.split():
        roles, _, outcome = token.partition("=")
        parts = tuple(outcome.split("/"))
        if len(parts) == 1:
            parts = parts * 2
        if len(parts) != 2 or not all(p in OUTCOMES for p in parts) or (not with_object and parts[0] != parts[1]):
            raise ValueError(f"bad outcome {outcome!r} in {spec!r}")
        for role in roles.split(","):
            if role == "*":
                default = parts
            elif role not in ROLES:
                raise ValueError(f"unknown role {role!r} in {spec!r}")
            elif role in table:
                raise ValueError(f"role {role!r} twice in {spec!r}")
            else:
                table[role] = parts
    for role in ROLES:
        if role not in table:
            if default is None:
                raise ValueError(f"no outcome for {role!r} in {spec!r}")
            table[role] = default
    return table


@dataclass(frozen=True)
class R:
    obj: str | None
    specs: dict
    query: str = ""
    path: dict | None = None
    body: dict | None = None
    roles: tuple = ROLES
    per_side: bool = False

    def __init__(self, obj=None, *, query="", path=None, body=None, roles=ROLES, per_side=False, **specs):
        object.__setattr__(self, "obj", obj)
        object.__setattr__(self, "query", query)
        object.__setattr__(self, "path", path or {})
        object.__setattr__(self, "body", body or {})
        object.__setattr__(self, "roles", tuple(roles))
        object.__setattr__(self, "per_side", per_side)
        sided = bool(obj or per_side)
        object.__setattr__(self, "specs", {m: parse(s, with_object=sided) for m, s in specs.items()})

    def expect(self, method, role, side):
        a, b = self.specs[method][role]
        return b if side == "B" else a


RULES = {
    "/": R(GET="anon=login *=ok"),
    "/api/docs/": R(GET="*=ok"),
    "/api/redoc/": R(GET="*=ok"),
    "/api/schema/": R(roles=("anon", "member"), GET="*=ok"),
    "/api/v1/activities/": R(
        per_side=True,
        body={
            "community": "{community}",
            "grid": "{grid}",
            "title": "矩阵测试活动",
            "category": "clean_up",
            "address": "社区广场",
            "starts_at": "{start}",
            "ends_at": "{end}",
            "capacity": 10,
        },
        GET="anon=403 *=ok",
        POST="anon=403 staff,grid_worker=ok/403 superuser=ok *=403",
    ),
    "/api/v1/activities/{pk}/": R(
        "activity",
        GET="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404",
        PATCH="anon=403 other_member=404/403 staff,grid_worker=ok/404 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/activities/{pk}/attendance.xlsx": R("activity", GET="anon=403 staff=ok/404 superuser=ok *=404"),
    "/api/v1/activities/{pk}/attendance/": R("activity", GET="anon=403 staff=ok/404 superuser=ok *=404"),
    "/api/v1/activities/{pk}/cancel/": R(
        "activity",
        body={"reason": "天气原因"},
        GET="anon=403 *=405",
        POST="anon=403 staff,grid_worker=ok/404 other_member=404/403 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/activities/{pk}/checkin-code/": R(
        "activity", GET="anon=403 other_member=404/403 staff,grid_worker=ok/404 superuser=ok outsider=404 *=403/404"
    ),
    "/api/v1/activities/{pk}/checkin/": R(
        "activity",
        body={"code": "000000"},
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404",
    ),
    "/api/v1/activities/{pk}/checkout/": R(
        "activity", GET="anon=403 *=405", POST="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404"
    ),
    "/api/v1/activities/{pk}/finish/": R(
        "activity", GET="anon=403 *=405", POST="anon=403 staff=ok/404 superuser=ok *=404"
    ),
    "/api/v1/activities/{pk}/residents/": R(
        "activity", GET="anon=403 *=405", POST="anon=403 staff=ok/404 superuser=ok *=404"
    ),
    "/api/v1/activities/{pk}/publish/": R(
        "activity",
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/403 staff,grid_worker=ok/404 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/activities/{pk}/signup/": R(
        "activity",
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 other_member=404/ok superuser,outsider=404 *=403/404",
    ),
    # The team of side A, led by the world's member, signing the leader up: only the leader gets through; the organ's
    # reviewer and the branch's secretary see the activity and the team but do not lead it (403); everyone else
    # meets an activity or a team they cannot see (404), as the superuser on a sign-up (as on /signup/).
    "/api/v1/activities/{pk}/signup-team/": R(
        "activity",
        body={"team": "{team_a}", "members": ["{member_a}"]},
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 secretary,reviewer=403/404 *=404",
    ),
    "/api/v1/audit-entries/": R(GET="anon=403 *=ok"),
    "/api/v1/audit-entries/{pk}/": R(
        "audit_entry", GET="anon=403 member,other_member,outsider=404 superuser=ok *=ok/404"
    ),
    "/api/v1/auth/code/": R(GET="*=405", POST="*=ok"),
    "/api/v1/auth/login/": R(GET="*=405", POST="*=ok"),
    "/api/v1/auth/logout/": R(GET="anon=403 *=405", POST="anon=403 *=ok"),
    "/api/v1/auth/password/": R(GET="*=405", POST="*=ok"),
    "/api/v1/certificates/": R(
        per_side=True,
        body={"period_start": "{year_start}", "period_end": "{today}", "member": "{member}"},
        GET="anon=403 *=ok",
        POST="anon=403 member=ok/404 other_member=404/ok reviewer=ok/404 secretary=403/404 superuser=ok *=404",
    ),
    "/api/v1/certificates/verify/{code}/": R("certificate_code", GET="*=ok"),
    "/api/v1/certificates/{pk}/pdf/": R(
        "certificate", GET="anon=403 member,reviewer=ok/404 other_member=404/ok superuser=ok *=404"
    ),
    # Revoking is the organ's: the holder sees the certificate but is refused (403); others do not see it (404).
    "/api/v1/certificates/{pk}/revoke/": R(
        "certificate",
        body={"reason": "证明数据有误"},
        GET="anon=403 *=405",
        POST="anon=403 member=403/404 other_member=404/403 reviewer=ok/404 superuser=ok *=404",
    ),
    "/api/v1/communities/": R(GET="anon=403 *=ok"),
    "/api/v1/communities/{pk}/": R("community", GET="anon=403 *=ok"),
    "/api/v1/districts/": R(GET="anon=403 *=ok"),
    "/api/v1/districts/{pk}/": R("district", GET="anon=403 *=ok"),
    "/api/v1/evaluations/": R(
        per_side=True,
        body={"member": "{member}", "community": "{community}", "year": "{year}", "grade": "competent"},
        GET="anon=403 *=ok",
        POST="anon=403 staff=ok/403 superuser=ok *=403",
    ),
    "/api/v1/evaluations/candidates/": R(GET="anon=403 *=ok"),
    "/api/v1/evaluations/{pk}/": R(
        "evaluation", GET="anon=403 other_member=404/ok grid_worker,outsider=404 superuser=ok *=ok/404"
    ),
    "/api/v1/geocode/": R(GET="anon=403 *=ok"),
    "/api/v1/grids/": R(GET="anon=403 *=ok"),
    "/api/v1/grids/{pk}/": R("grid", GET="anon=403 *=ok"),
    "/api/v1/job-runs/": R(GET="superuser=ok *=403"),
    "/api/v1/job-runs/{pk}/": R("job_run", GET="superuser=ok *=403"),
    "/api/v1/jobs/": R(GET="superuser=ok *=403"),
    # The latest seal and verification of the ledger: the platform's administrators.
    "/api/v1/ledger/seal/": R(GET="district_admin,superuser=ok *=403"),
    "/api/v1/me/": R(GET="anon=403 *=ok"),
    "/api/v1/members/": R(
        per_side=True,
        body={"branch": "{branch}", "phone": "13912345678", "name": "矩阵新党员"},
        GET="anon=403 *=ok",
        POST="anon=403 secretary,reviewer=ok/403 superuser=ok *=403",
    ),
    "/api/v1/members/{pk}/": R("member", GET="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404"),
    "/api/v1/members/{pk}/affiliations/": R(
        "member", GET="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404"
    ),
    "/api/v1/members/{pk}/move/": R(
        "member",
        body={"branch": "{branch_a}"},
        GET="anon=403 *=405",
        POST="anon=403 secretary,reviewer=ok/404 other_member=404/403 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/notifications/": R(GET="anon=403 *=ok"),
    "/api/v1/notifications/read-all/": R(GET="anon=403 *=405", POST="anon=403 *=ok"),
    "/api/v1/notifications/unread-count/": R(GET="anon=403 *=ok"),
    "/api/v1/notifications/{pk}/": R("notification", GET="anon=403 member=ok/404 other_member=404/ok *=404"),
    "/api/v1/notifications/{pk}/read/": R(
        "notification", GET="anon=403 *=405", POST="anon=403 member=ok/404 other_member=404/ok *=404"
    ),
    "/api/v1/organs/": R(
        per_side=True,
        body={"name": "矩阵测试机关"},
        GET="anon=403 *=ok",
        POST="anon=403 district_admin,superuser=ok *=403",
    ),
    "/api/v1/organs/{pk}/": R("organ", GET="anon=403 *=ok"),
    "/api/v1/pairings/": R(
        per_side=True,
        body={"organ": "{organ}", "community": "{community}", "starts_on": "{today}"},
        GET="anon=403 *=ok",
        POST="anon=403 reviewer=ok/403 superuser=ok *=403",
    ),
    "/api/v1/pairings/{pk}/": R("pairing", GET="anon=403 *=ok"),
    "/api/v1/pairings/{pk}/end/": R("pairing", GET="anon=403 *=405", POST="reviewer=ok/403 superuser=ok *=403"),
    "/api/v1/party-orgs/": R(
        per_side=True,
        body={"parent": "{committee}", "kind": "branch", "name": "矩阵测试支部"},
        GET="anon=403 *=ok",
        POST="anon=403 reviewer=ok/403 district_admin,superuser=ok *=403",
    ),
    "/api/v1/party-orgs/{pk}/": R("party_org", GET="anon=403 *=ok"),
    "/api/v1/post-claims/": R(GET="anon=403 *=ok"),
    "/api/v1/post-claims/{pk}/": R("post_claim", GET="anon=403 *=ok"),
    "/api/v1/post-claims/{pk}/release/": R(
        "post_claim", GET="anon=403 *=405", POST="member,staff=ok/403 other_member=403/ok superuser=ok *=403"
    ),
    "/api/v1/posts/": R(
        per_side=True,
        body={"community": "{community}", "kind": "policy_promoter", "title": "政策宣传员"},
        GET="anon=403 *=ok",
        POST="anon=403 staff=ok/403 superuser=ok *=403",
    ),
    "/api/v1/posts/{pk}/": R("post", GET="anon=403 *=ok", PATCH="staff=ok/403 superuser=ok *=403"),
    "/api/v1/posts/{pk}/claim/": R("post", GET="anon=403 *=405", POST="member=ok/403 other_member=403/ok *=403"),
    "/api/v1/posts/{pk}/deactivate/": R("post", GET="anon=403 *=405", POST="staff=ok/403 superuser=ok *=403"),
    "/api/v1/posts/{pk}/release/": R("post", GET="anon=403 *=405", POST="member,other_member=ok *=403"),
    "/api/v1/registrations/": R(GET="anon=403 *=ok", POST="member,other_member=ok *=403"),
    "/api/v1/registrations/mine/": R(GET="member,other_member=ok *=403"),
    "/api/v1/registrations/move/": R(GET="anon=403 *=405", POST="member,other_member=ok *=403"),
    "/api/v1/registrations/without-post/": R(GET="anon=403 *=ok"),
    "/api/v1/registrations/{pk}/": R(
        "registration", GET="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404"
    ),
    "/api/v1/registrations/{pk}/confirm/": R(
        "registration",
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/403 staff=ok/404 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/registrations/{pk}/receipt/": R(
        "registration",
        GET="anon=403 other_member=404/ok grid_worker,street_admin,district_admin,outsider=404 superuser=ok *=ok/404",
    ),
    # The printed certificate and receipt: the receipt's readers; a registration not in force answers 422 (ok).
    "/api/v1/registrations/{pk}/certificate/": R(
        "registration",
        GET="anon=403 other_member=404/ok grid_worker,street_admin,district_admin,outsider=404 superuser=ok *=ok/404",
    ),
    "/api/v1/registrations/{pk}/reject/": R(
        "registration",
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/403 staff=ok/404 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/registrations/{pk}/withdraw/": R(
        "registration",
        GET="anon=403 *=405",
        POST="anon,superuser=403 member=ok/404 other_member=404/ok outsider=404 *=403/404",
    ),
    "/api/v1/resident-requests/": R(GET="anon=403 *=ok"),
    "/api/v1/resident-requests/{pk}/": R(
        "resident_request", GET="anon=403 staff,grid_worker=ok/404 superuser=ok *=404"
    ),
    "/api/v1/resident-requests/{pk}/accept/": R(
        "resident_request",
        GET="anon=403 *=405",
        POST="anon=403 staff,grid_worker=ok/404 superuser=ok *=404",
    ),
    "/api/v1/resident-requests/{pk}/decline/": R(
        "resident_request",
        body={"reason": "请联系物业"},
        GET="anon=403 *=405",
        POST="anon=403 staff,grid_worker=ok/404 superuser=ok *=404",
    ),
    "/api/v1/resident-requests/{pk}/merge/": R(
        "resident_request",
        GET="anon=403 *=405",
        POST="anon=403 staff,grid_worker=ok/404 superuser=ok *=404",
    ),
    "/api/v1/role-assignments/": R(GET="anon=403 *=ok", POST="superuser=ok *=403"),
    "/api/v1/role-assignments/{pk}/": R("role_assignment", GET="anon=403 staff=ok/404 superuser=ok *=404"),
    "/api/v1/service-records/": R(
        per_side=True,
        body={
            "member": "{member}",
            "community": "{community}",
            "grid": "{grid}",
            "category": "care_visit",
            "content": "入户走访",
            "started_at": "{past_start}",
            "ended_at": "{past_end}",
            "credited_minutes": 60,
            "reason": "补录",
        },
        GET="anon=403 *=ok",
        POST="anon=403 staff=ok/403 superuser=ok *=403",
    ),
    "/api/v1/service-records/mine/": R(GET="member,other_member=ok *=403"),
    # Any member registers a service done in any community (its staff then decide); who has no member profile: 403.
    "/api/v1/service-records/register/": R(
        body={
            "community": "{community_a}",
            "place": "幸福小区3栋",
            "category": "care_visit",
            "content": "入户走访",
            "started_at": "{past_start}",
            "ended_at": "{past_end}",
        },
        GET="anon=403 *=405",
        POST="anon=403 member,other_member=ok *=403",
    ),
    "/api/v1/service-records/{pk}/": R("record", GET="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404"),
    "/api/v1/service-records/{pk}/amend/": R(
        "record",
        body={"credited_minutes": 60, "residents_served": 1, "reason": "更正"},
        GET="anon=403 *=405",
        POST="anon=403 staff=ok/404 other_member=404/403 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/service-records/{pk}/approve/": R(
        "record",
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/403 staff=ok/404 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/service-records/{pk}/reject/": R(
        "record",
        body={"reason": "记录不实"},
        GET="anon=403 *=405",
        POST="anon=403 staff=ok/404 other_member=404/403 superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/signups/": R(GET="anon=403 *=ok"),
    "/api/v1/signups/mine/": R(GET="anon=403 *=ok"),
    "/api/v1/signups/{pk}/": R("signup", GET="anon=403 other_member=404/ok superuser=ok outsider=404 *=ok/404"),
    "/api/v1/signups/{pk}/adjust-hours/": R(
        "signup",
        body={"credited_minutes": 60, "reason": "更正"},
        GET="anon=403 *=405",
        POST="anon=403 member=403/404 other_member=404/403 staff=ok/404 superuser=ok *=404",
    ),
    "/api/v1/signups/{pk}/approve-hours/": R(
        "signup",
        GET="anon=403 *=405",
        POST="anon=403 member=403/404 other_member=404/403 staff=ok/404 superuser=ok *=404",
    ),
    "/api/v1/signups/{pk}/attendance/": R(
        "signup",
        body={"attendance": "present"},
        GET="anon=403 *=405",
        POST="anon=403 member=403/404 other_member=404/403 staff=ok/404 superuser=ok *=404",
    ),
    "/api/v1/signups/{pk}/cancel/": R(
        "signup",
        GET="anon=403 *=405",
        POST="anon=403 member,staff,grid_worker=ok/404 other_member=404/ok superuser=ok outsider=404 *=403/404",
    ),
    "/api/v1/signups/{pk}/dispute/": R(
        "signup",
        body={"reason": "时长有误"},
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 other_member=404/ok staff=403/404 superuser=403 *=404",
    ),
    "/api/v1/signups/{pk}/reject-hours/": R(
        "signup",
        body={"reason": "未到场"},
        GET="anon=403 *=405",
        POST="anon=403 member=403/404 other_member=404/403 staff=ok/404 superuser=ok *=404",
    ),
    # Volunteer teams: side A's team is led by the member and formed by the secretary's branch in the reviewer's
    # organ; side B's by the other member. A member applies to and leaves teams of their own organ (the leader meets
    # 409, not a refusal); the leader and the team's managers decide; the managers edit, set the leader, dissolve.
    "/api/v1/teams/": R(
        per_side=True,
        body={
            "organ": "{organ}",
            "party_org": "{branch}",
            "name": "矩阵测试服务队",
            "specialty": "medical",
            "leader": "{member}",
        },
        GET="anon=403 *=ok",
        POST="anon=403 secretary,reviewer=ok/403 superuser=ok *=403",
    ),
    "/api/v1/teams/mine/": R(GET="anon=403 *=ok"),
    "/api/v1/teams/{pk}/": R(
        "team",
        body={"description": "矩阵测试"},
        GET="anon=403 member,secretary,reviewer=ok/404 other_member=404/ok superuser=ok *=404",
        PATCH="anon=403 secretary,reviewer=ok/404 member=403/404 other_member=404/403 superuser=ok *=404",
    ),
    "/api/v1/teams/{pk}/applications/": R(
        "team", GET="anon=403 member,secretary,reviewer=ok/404 other_member=404/ok superuser=ok *=404"
    ),
    "/api/v1/teams/{pk}/apply/": R(
        "team",
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 other_member=404/ok secretary,reviewer=403/404 superuser=403 *=404",
    ),
    "/api/v1/teams/{pk}/leave/": R(
        "team",
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 other_member=404/ok secretary,reviewer=403/404 superuser=403 *=404",
    ),
    "/api/v1/teams/{pk}/accept/": R(
        "team",
        body={"member": "{member_a}"},
        GET="anon=403 *=405",
        POST="anon=403 member,secretary,reviewer=ok/404 other_member=404/ok superuser=ok *=404",
    ),
    "/api/v1/teams/{pk}/decline/": R(
        "team",
        body={"member": "{member_a}"},
        GET="anon=403 *=405",
        POST="anon=403 member,secretary,reviewer=ok/404 other_member=404/ok superuser=ok *=404",
    ),
    "/api/v1/teams/{pk}/remove/": R(
        "team",
        body={"member": "{member_a}", "reason": "矩阵测试"},
        GET="anon=403 *=405",
        POST="anon=403 member,secretary,reviewer=ok/404 other_member=404/ok superuser=ok *=404",
    ),
    "/api/v1/teams/{pk}/leader/": R(
        "team",
        body={"member": "{member_a}"},
        GET="anon=403 *=405",
        POST="anon=403 secretary,reviewer=ok/404 member=403/404 other_member=404/403 superuser=ok *=404",
    ),
    "/api/v1/teams/{pk}/dissolve/": R(
        "team",
        body={"reason": "矩阵测试"},
        GET="anon=403 *=405",
        POST="anon=403 secretary,reviewer=ok/404 member=403/404 other_member=404/403 superuser=ok *=404",
    ),
    # Household pairing (结对帮扶): side A's household (the staff's community) is paired with the member, side B's
    # with the other member. Staff of the community manage it; the paired member reads it and registers visits.
    "/api/v1/households/": R(
        per_side=True,
        body={
            "community": "{community}",
            "head_name": "矩阵测试",
            "address": "矩阵路1号",
            "situation": "other",
            "consent_on": "{today}",
        },
        GET="anon=403 *=ok",
        POST="anon=403 staff=ok/403 superuser=ok *=403",
    ),
    "/api/v1/households/{pk}/": R(
        "household",
        body={"notes": "矩阵测试"},
        GET="anon=403 staff,member=ok/404 other_member=404/ok superuser=ok *=404",
        PATCH="anon=403 staff=ok/404 member=403/404 other_member=404/403 superuser=ok *=404",
    ),
    "/api/v1/households/{pk}/close/": R(
        "household",
        body={"reason": "矩阵测试"},
        GET="anon=403 *=405",
        POST="anon=403 staff=ok/404 member=403/404 other_member=404/403 superuser=ok *=404",
    ),
    "/api/v1/household-pairings/": R(
        body={"household": "{household_a}", "member": "{member_a}"},
        GET="anon=403 *=ok",
        POST="anon=403 staff,superuser=ok member=403 *=404",
    ),
    "/api/v1/household-pairings/{pk}/": R(
        "household_pairing", GET="anon=403 staff,member=ok/404 other_member=404/ok superuser=ok *=404"
    ),
    "/api/v1/household-pairings/{pk}/end/": R(
        "household_pairing",
        body={"reason": "矩阵测试"},
        GET="anon=403 *=405",
        POST="anon=403 staff=ok/404 member=403/404 other_member=404/403 superuser=ok *=404",
    ),
    "/api/v1/household-pairings/{pk}/visit/": R(
        "household_pairing",
        body={"started_at": "{past_start}", "ended_at": "{past_end}", "content": "走访"},
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 other_member=404/ok staff=403/404 superuser=403 *=404",
    ),
    "/api/v1/stats/branches/": R(
        "organ", query="level=organ&id={pk}", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/breakdown/": R(
        "community",
        query="level=community&id={pk}&by=month",
        GET="anon=403 staff,street_admin,district_admin=ok/404 superuser=ok *=404",
    ),
    "/api/v1/stats/exports/branches/": R(
        "organ", query="level=organ&id={pk}", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/exports/members/": R(
        "organ", query="level=organ&id={pk}", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/exports/organs-in-area/": R(
        "community",
        query="level=community&id={pk}",
        GET="anon=403 staff,street_admin,district_admin=ok/404 superuser=ok *=404",
    ),
    "/api/v1/stats/exports/places/": R(
        "community",
        query="level=community&id={pk}",
        GET="anon=403 staff,street_admin,district_admin=ok/404 superuser=ok *=404",
    ),
    "/api/v1/stats/exports/report/": R(
        "organ", query="level=organ&id={pk}&format=docx", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/exports/unregistered-and-zero-service/": R(
        "organ", query="level=organ&id={pk}", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/members/": R(
        "organ", query="level=organ&id={pk}", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/rankings/": R(
        "organ", query="level=organ&id={pk}&of=members", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/star-rules/": R(GET="anon=403 *=ok"),
    "/api/v1/stats/summary/": R(
        "community",
        query="level=community&id={pk}",
        GET="anon=403 staff,street_admin,district_admin=ok/404 superuser=ok *=404",
    ),
    "/api/v1/stats/unregistered/": R(
        "organ", query="level=organ&id={pk}", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/stats/zero-service/": R(
        "organ", query="level=organ&id={pk}", GET="anon=403 reviewer=ok/404 superuser=ok *=404"
    ),
    "/api/v1/streets/": R(GET="anon=403 *=ok"),
    "/api/v1/streets/{pk}/": R("street", GET="anon=403 *=ok"),
    "/api/v1/wishes/": R(
        per_side=True,
        body={
            "grid": "{grid}",
            "title": "矩阵测试心愿",
            "category": "elderly",
            "resident_name": "张阿姨",
            "deadline": "{deadline}",
        },
        GET="anon=403 *=ok",
        POST="anon=403 staff,grid_worker=ok/403 superuser=ok *=403",
    ),
    "/api/v1/wishes/my-claims/": R(GET="anon=403 *=ok"),
    "/api/v1/wishes/{pk}/": R("wish", GET="anon=403 other_member=404/ok reviewer,outsider=404 superuser=ok *=ok/404"),
    "/api/v1/wishes/{pk}/cancel/": R(
        "wish",
        body={"reason": "家属已解决"},
        GET="anon=403 *=405",
        POST="anon=403 staff=ok/404 other_member=404/403 reviewer,outsider=404 superuser=ok *=403/404",
    ),
    "/api/v1/wishes/{pk}/claim/": R(
        "wish",
        GET="anon=403 *=405",
        POST="anon,superuser=403 member=ok/404 other_member=404/ok reviewer,outsider=404 *=403/404",
    ),
    "/api/v1/wishes/{pk}/confirm/": R(
        "wish",
        body={"rating": 5},
        GET="anon=403 *=405",
        POST="anon=403 staff=ok/404 other_member=404/403 reviewer,outsider=404 superuser=ok *=403/404",
    ),
    "/api/v1/wishes/{pk}/contact-views/": R(
        "wish", GET="anon=403 other_member=404/403 staff=ok/404 reviewer,outsider=404 superuser=ok *=403/404"
    ),
    "/api/v1/wishes/{pk}/fulfil/": R(
        "claimed_wish",
        body={"note": "米和油已送到。"},
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 other_member=404/ok superuser=403 outsider=404 *=403/404",
    ),
    "/api/v1/wishes/{pk}/publish/": R(
        "wish",
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/403 staff=ok/404 reviewer,outsider=404 superuser=ok *=403/404",
    ),
    "/api/v1/wishes/{pk}/release/": R(
        "claimed_wish",
        GET="anon=403 *=405",
        POST="anon=403 member=ok/404 other_member=404/ok superuser=403 outsider=404 *=403/404",
    ),
    "/api/v1/wishes/{pk}/revoke/": R(
        "wish",
        body={"reason": "认领人失联"},
        GET="anon=403 *=405",
        POST="anon=403 staff=ok/404 other_member=404/403 reviewer,outsider=404 superuser=ok *=403/404",
    ),
    "/api/v1/wishes/{pk}/submit/": R(
        "wish",
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/403 staff,grid_worker=ok/404 reviewer,outsider=404 superuser=ok *=403/404",
    ),
    "/api/v1/wishes/{pk}/verify/": R(
        "wish",
        GET="anon=403 *=405",
        POST="anon=403 other_member=404/403 staff=ok/404 reviewer,outsider=404 superuser=ok *=403/404",
    ),
    "/dashboard/": R(
        "community",
        query="node=community:{pk}",
        GET="anon=login secretary,reviewer=404 street_admin,district_admin=ok/404 superuser=ok *=403",
    ),
    "/dashboard/branches/": R(
        "organ",
        query="node=organ:{pk}",
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/dashboard/evaluations/": R(
        "organ",
        query="node=organ:{pk}",
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/dashboard/export/{kind}/": R(
        "organ",
        query="node=organ:{pk}",
        path={"kind": "members"},
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/dashboard/members/": R(
        "organ",
        query="node=organ:{pk}",
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/dashboard/places/": R(
        "community",
        query="node=community:{pk}",
        GET="anon=login secretary,reviewer=404 street_admin,district_admin=ok/404 superuser=ok *=403",
    ),
    "/dashboard/report/{file_format}/": R(
        "organ",
        query="node=organ:{pk}",
        path={"file_format": "pdf"},
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/dashboard/rankings/": R(
        "organ",
        query="node=organ:{pk}",
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/dashboard/unregistered/": R(
        "organ",
        query="node=organ:{pk}",
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/dashboard/zero-service/": R(
        "organ",
        query="node=organ:{pk}",
        GET="anon=login secretary,street_admin,district_admin=404 reviewer=ok/404 superuser=ok *=403",
    ),
    "/favicon.ico": R(GET="*=ok", POST="*=405"),  # the site's icon: anyone may fetch it, nothing is sent to it
    "/i18n/setlang/": R(GET="*=ok", POST="*=ok"),
    "/login/": R(GET="*=ok", POST="*=ok", PUT="*=ok"),
    "/logout/": R(GET="*=405", POST="*=login"),
    "/m/": R(GET="anon=login member,other_member=ok *=403"),
    # Management: whoever may import something; an import is its uploader's (side A: the district administrator's).
    "/manage/": R(GET="anon=login street_admin,district_admin,reviewer,superuser=ok *=403"),
    "/manage/imports/new/{kind}/": R(
        path={"kind": "geography"},
        GET="anon=login street_admin,district_admin,superuser=ok *=403",
        POST="anon=login street_admin,district_admin,superuser=ok *=403",
        PUT="anon=login street_admin,district_admin,superuser=ok *=403",
    ),
    "/manage/imports/template/{kind}/": R(path={"kind": "members"}, GET="anon=login reviewer,superuser=ok *=403"),
    "/manage/imports/{pk}/": R(
        "import_batch",
        GET="anon=login district_admin=ok/404 street_admin,reviewer=404 superuser=ok *=403",
    ),
    "/manage/imports/{pk}/apply/": R(
        "import_batch",
        GET="anon=login street_admin,district_admin,reviewer,superuser=405 *=403",
        POST="anon=login district_admin=ok/404 street_admin,reviewer=404 superuser=ok *=403",
    ),
    "/manage/imports/{pk}/cancel/": R(
        "import_batch",
        GET="anon=login street_admin,district_admin,reviewer,superuser=405 *=403",
        POST="anon=login district_admin=ok/404 street_admin,reviewer=404 superuser=ok *=403",
    ),
    # The certificates of an organ reviewer's members: find, download, revoke.
    "/manage/certificates/": R(GET="anon=login reviewer,superuser=ok *=403"),
    "/manage/certificates/{pk}/pdf/": R("certificate", GET="anon=login reviewer=ok/404 superuser=ok *=403"),
    "/manage/certificates/{pk}/revoke/": R(
        "certificate",
        GET="anon=login reviewer,superuser=405 *=403",
        POST="anon=login reviewer=ok/404 superuser=ok *=403",
    ),
    # The members pages and the move: the organ's reviewers and the secretaries of the member's Party-org subtree.
    "/manage/members/": R(GET="anon=login secretary,reviewer,superuser=ok *=403"),
    "/manage/members/{pk}/": R("member", GET="anon=login secretary,reviewer=ok/404 superuser=ok *=403"),
    "/manage/members/{pk}/active/": R(
        "member",
        GET="anon=login reviewer,superuser=405 *=403",
        POST="anon=login reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/members/{pk}/certificate/": R(
        "member",
        GET="anon=login reviewer,superuser=405 *=403",
        POST="anon=login reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/members/{pk}/move/": R(
        "member",
        GET="anon=login secretary,reviewer,superuser=405 *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    # The transfer to another organ's branch (调出): GET searches the branches, POST moves (an empty form comes back).
    "/manage/members/{pk}/transfer/": R(
        "member",
        GET="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/members/{pk}/secretary/": R(
        "member",
        GET="anon=login reviewer,superuser=405 *=403",
        POST="anon=login reviewer=ok/404 superuser=ok *=403",
    ),
    # The organ's pairings (read by its reviewers and branch secretaries, paired and ended by its reviewers) and its
    # members' registration receipts (the reviewer's organ, the secretary's branch subtree).
    "/manage/pairings/": R(GET="anon=login secretary,reviewer,superuser=ok *=403"),
    "/manage/pairings/new/": R(
        GET="anon=login reviewer,superuser=ok *=403",
        POST="anon=login reviewer,superuser=ok *=403",
        PUT="anon=login reviewer,superuser=ok *=403",
    ),
    "/manage/pairings/{pk}/end/": R(
        "pairing",
        GET="anon=login reviewer,superuser=405 *=403",
        POST="anon=login reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/receipts/": R(GET="anon=login secretary,reviewer,superuser=ok *=403"),
    "/manage/receipts/{pk}/certificate/": R(
        "registration", GET="anon=login secretary,reviewer=ok/404 superuser=ok *=403"
    ),
    # The organ's volunteer teams: the teams a reviewer or a secretary manages (side B's is another organ's: 404).
    "/manage/teams/": R(GET="anon=login secretary,reviewer,superuser=ok *=403"),
    "/manage/teams/new/": R(
        GET="anon=login secretary,reviewer,superuser=ok *=403",
        POST="anon=login secretary,reviewer,superuser=ok *=403",
        PUT="anon=login secretary,reviewer,superuser=ok *=403",
    ),
    "/manage/teams/{pk}/": R("team", GET="anon=login secretary,reviewer=ok/404 superuser=ok *=403"),
    "/manage/teams/{pk}/edit/": R(
        "team",
        GET="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
        PUT="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/teams/{pk}/leader/": R(
        "team",
        GET="anon=login secretary,reviewer,superuser=405 *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/teams/{pk}/dissolve/": R(
        "team",
        GET="anon=login secretary,reviewer,superuser=405 *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/teams/memberships/{pk}/accept/": R(
        "team_application",
        GET="anon=login secretary,reviewer,superuser=405 *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/teams/memberships/{pk}/decline/": R(
        "team_application",
        GET="anon=login secretary,reviewer,superuser=405 *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/teams/memberships/{pk}/remove/": R(
        "team_application",
        GET="anon=login secretary,reviewer,superuser=405 *=403",
        POST="anon=login secretary,reviewer=ok/404 superuser=ok *=403",
    ),
    "/manage/places/": R(GET="anon=login street_admin,district_admin,superuser=ok *=403"),
    "/manage/places/appoint/": R(
        GET="anon=login street_admin,district_admin,superuser=405 *=403",
        POST="anon=login street_admin,district_admin,superuser=ok *=403",
    ),
    "/manage/places/districts/new/": R(
        GET="anon=login street_admin,district_admin,superuser=405 *=403",
        POST="anon=login superuser=ok *=403",
    ),
    "/manage/places/communities/{pk}/": R(
        "community", GET="anon=login street_admin,district_admin=ok/404 superuser=ok *=403"
    ),
    "/manage/places/communities/{pk}/appoint/": R(
        "community",
        GET="anon=login street_admin,district_admin,superuser=405 *=403",
        POST="anon=login street_admin,district_admin=ok/404 superuser=ok *=403",
    ),
    "/manage/places/communities/{pk}/kind/": R(
        "community",
        body={"kind": "village"},
        GET="anon=login street_admin,district_admin,superuser=405 *=403",
        POST="anon=login street_admin,district_admin=ok/404 superuser=ok *=403",
    ),
    # Ending an appointment: side A is community A's staff member (the world's), side B community B's.
    "/manage/roles/{pk}/revoke/": R(
        "role_assignment",
        GET="anon=login street_admin,district_admin,reviewer,superuser=405 *=403",
        POST="anon=login street_admin,district_admin=ok/404 reviewer=404 superuser=ok *=403",
    ),
    "/manage/imports/{pk}/step/": R(
        "import_batch",
        GET="anon=login street_admin,district_admin,reviewer,superuser=405 *=403",
        POST="anon=login district_admin=ok/404 street_admin,reviewer=404 superuser=ok *=403",
    ),
    "/m/activities/": R(GET="anon=login member,other_member=ok *=403"),
    "/m/activities/{pk}/": R("activity", GET="anon=login member=ok/404 other_member=404/ok *=403"),
    "/m/activities/{pk}/cancel/": R(
        "activity",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/activities/{pk}/checkin/": R("activity", GET="anon=login member=ok/404 other_member=404/ok *=403"),
    "/m/activities/{pk}/checkin/code/": R(
        "activity",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/activities/{pk}/checkin/position/": R(
        "activity",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/activities/{pk}/checkout/": R(
        "activity",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/activities/{pk}/signup/": R(
        "activity",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/activities/{pk}/signup-team/": R(
        "activity",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/claims/": R(GET="anon=login member,other_member=ok *=403"),
    "/m/wishes/{pk}/": R("wish", GET="anon=login member=ok/404 other_member=404/ok *=403"),
    "/m/wishes/{pk}/claim/": R(
        "wish",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/wishes/{pk}/fulfil/": R(
        "claimed_wish",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/wishes/{pk}/release/": R(
        "claimed_wish",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    # Volunteer teams: a member sees the teams of their own organ; the leader (side A: the member) decides.
    # Household pairing: the member's paired households; side A's pairing is the member's, side B's the other's.
    "/m/households/": R(GET="anon=login member,other_member=ok *=403"),
    "/m/households/{pk}/": R(
        "household_pairing",
        GET="anon=login member=ok/404 other_member=404/ok *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
        PUT="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/teams/": R(GET="anon=login member,other_member=ok *=403"),
    "/m/teams/{pk}/": R("team", GET="anon=login member=ok/404 other_member=404/ok *=403"),
    "/m/teams/{pk}/apply/": R(
        "team",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/teams/{pk}/leave/": R(
        "team",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/teams/memberships/{pk}/accept/": R(
        "team_application",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/teams/memberships/{pk}/decline/": R(
        "team_application",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/m/teams/memberships/{pk}/remove/": R(
        "team_application",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/me/": R(GET="anon=login member,other_member=ok *=403"),
    "/me/certificate/": R(
        GET="anon=login member,other_member=ok *=403", POST="anon=login member,other_member=ok *=403"
    ),
    "/me/certificate/{pk}/pdf/": R("certificate", GET="anon=login member=ok/404 other_member=404/ok *=403"),
    "/me/hours/": R(GET="anon=login member,other_member=ok *=403"),
    "/me/hours/register/": R(
        GET="anon=login member,other_member=ok *=403",
        POST="anon=login member,other_member=ok *=403",
        PUT="anon=login member,other_member=ok *=403",
    ),
    "/me/hours/signups/{pk}/dispute/": R(
        "signup",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/me/posts/": R(GET="anon=login member,other_member=ok *=403"),
    "/me/posts/{pk}/claim/": R(
        "post",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/403 other_member=403/ok *=403",
    ),
    "/me/posts/{pk}/release/": R(
        "post", GET="anon=login member,other_member=405 *=403", POST="anon=login member,other_member=ok *=403"
    ),
    "/me/registration/": R(
        GET="anon=login member,other_member=ok *=403", POST="anon=login member,other_member=ok *=403"
    ),
    "/me/registration/{pk}/certificate/": R("registration", GET="anon=login member=ok/404 other_member=404/ok *=403"),
    "/me/registration/{pk}/withdraw/": R(
        "registration",
        GET="anon=login member,other_member=405 *=403",
        POST="anon=login member=ok/404 other_member=404/ok *=403",
    ),
    "/notifications/": R(GET="anon=login *=ok"),
    "/notifications/read-all/": R(GET="anon=login *=405", POST="anon=login *=ok"),
    "/notifications/{pk}/read/": R(
        "notification", GET="anon=login *=405", POST="anon=login member=ok/404 other_member=404/ok *=404"
    ),
    # First sign-in and forgotten password: for anyone (step 2 without a number sends back to step 1).
    "/password/code/": R(GET="*=ok", POST="*=ok", PUT="*=ok"),
    "/password/set/": R(GET="*=ok", POST="*=ok", PUT="*=ok"),
    # The residents' order pages (居民点单) a community poster's QR code opens, and the tracking links: anyone.
    "/r/t/{token}/": R("resident_token", GET="*=ok"),
    "/r/t/{token}/rate/": R("resident_token", GET="*=405", POST="*=ok"),
    "/r/{community}/": R("community", GET="*=ok", POST="*=ok", PUT="*=ok"),
    "/r/{community}/submit/": R("community", GET="*=ok", POST="*=ok", PUT="*=ok"),
    "/staff/": R(GET="anon=login staff,grid_worker,superuser=ok *=403"),
    "/staff/activities/": R(GET="anon=login staff,grid_worker,superuser=ok *=403"),
    "/staff/activities/new/": R(
        GET="anon=login staff,grid_worker,superuser=ok *=403",
        POST="anon=login staff,grid_worker,superuser=ok *=403",
        PUT="anon=login staff,grid_worker,superuser=ok *=403",
    ),
    "/staff/activities/{pk}/": R("activity", GET="anon=login staff,grid_worker=ok/404 superuser=ok *=403"),
    "/staff/activities/{pk}/attendance.xlsx": R(
        "activity", GET="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403"
    ),
    "/staff/activities/{pk}/attendance/": R(
        "activity", GET="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403"
    ),
    "/staff/activities/{pk}/cancel/": R(
        "activity",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    "/staff/activities/{pk}/checkin-code/": R("activity", GET="anon=login staff,grid_worker=ok/404 superuser=ok *=403"),
    # Changing an activity: its organizers, as PATCH /api/v1/activities/{pk}/ (an empty form is shown again).
    "/staff/activities/{pk}/edit/": R(
        "activity",
        GET="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
        PUT="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    "/staff/activities/{pk}/finish/": R(
        "activity",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403",
    ),
    "/staff/activities/{pk}/residents/": R(
        "activity",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403",
    ),
    "/staff/activities/{pk}/publish/": R(
        "activity",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    # Grid workers open the page and are told the community's staff rate (no form); rating is refused them.
    "/staff/evaluations/": R(GET="anon=login staff,grid_worker,superuser=ok *=403"),
    "/staff/evaluations/submit/": R(
        GET="anon=login staff,grid_worker,superuser=405 *=403", POST="anon=login staff,grid_worker,superuser=404 *=403"
    ),
    # Standing posts: the desk reads them (grid workers too, as the API's public roll); setting up, changing, retiring
    # and taking a post back from its holder are the community's staff's.
    # Household pairing: the staff of side A's community (a grid worker has no household pages).
    "/staff/households/": R(GET="anon=login staff,superuser=ok *=403"),
    "/staff/households/new/": R(
        GET="anon=login staff,superuser=ok *=403",
        POST="anon=login staff,superuser=ok *=403",
        PUT="anon=login staff,superuser=ok *=403",
    ),
    "/staff/households/{pk}/": R("household", GET="anon=login staff=ok/404 superuser=ok *=403"),
    "/staff/households/{pk}/edit/": R(
        "household",
        GET="anon=login staff=ok/404 superuser=ok *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
        PUT="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/households/{pk}/close/": R(
        "household",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/households/{pk}/pair/": R(
        "household",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/household-pairings/{pk}/end/": R(
        "household_pairing",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/posts/": R(GET="anon=login staff,grid_worker,superuser=ok *=403"),
    "/staff/posts/new/": R(
        GET="anon=login staff,superuser=ok *=403",
        POST="anon=login staff,superuser=ok *=403",
        PUT="anon=login staff,superuser=ok *=403",
    ),
    "/staff/posts/{pk}/edit/": R(
        "post",
        GET="anon=login staff=ok/404 superuser=ok *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
        PUT="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/posts/{pk}/deactivate/": R(
        "post",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/posts/claims/{pk}/release/": R(
        "post_claim",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    # Service records are decided by a community's staff: grid workers have no record pages.
    "/staff/records/": R(GET="anon=login staff,superuser=ok *=403"),
    "/staff/records/new/": R(
        GET="anon=login staff,superuser=ok *=403",
        POST="anon=login staff,superuser=ok *=403",
        PUT="anon=login staff,superuser=ok *=403",
    ),
    "/staff/records/{pk}/adjust/": R(
        "record",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/records/{pk}/approve/": R(
        "record",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/records/{pk}/reject/": R(
        "record",
        GET="anon=login staff,superuser=405 *=403",
        POST="anon=login staff=ok/404 superuser=ok *=403",
    ),
    "/staff/registrations/": R(GET="anon=login staff,grid_worker,superuser=ok *=403"),
    "/staff/registrations/{pk}/confirm/": R(
        "registration",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=403/404 superuser=ok *=403",
    ),
    # Printing is the community staff's: grid workers pass the desk's gate but cannot read the receipt (404).
    "/staff/registrations/{pk}/certificate/": R(
        "registration", GET="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403"
    ),
    "/staff/registrations/{pk}/reject/": R(
        "registration",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=403/404 superuser=ok *=403",
    ),
    "/staff/requests/": R(GET="anon=login staff,grid_worker,superuser=ok *=403"),
    "/staff/requests/poster/{pk}/": R("community", GET="anon=login staff,grid_worker=ok/404 superuser=ok *=403"),
    "/staff/requests/{pk}/": R("resident_request", GET="anon=login staff,grid_worker=ok/404 superuser=ok *=403"),
    "/staff/requests/{pk}/accept/": R(
        "resident_request",
        GET="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
        PUT="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    "/staff/requests/{pk}/decline/": R(
        "resident_request",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    "/staff/requests/{pk}/merge/": R(
        "resident_request",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    "/staff/signups/{pk}/adjust/": R(
        "signup",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403",
    ),
    "/staff/signups/{pk}/approve/": R(
        "signup",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403",
    ),
    "/staff/signups/{pk}/attendance/": R(
        "signup",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403",
    ),
    "/staff/signups/{pk}/cancel/": R(
        "signup",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    "/staff/signups/{pk}/reject/": R(
        "signup",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=404 superuser=ok *=403",
    ),
    "/staff/wishes/": R(GET="anon=login staff,grid_worker,superuser=ok *=403"),
    "/staff/wishes/new/": R(
        GET="anon=login staff,grid_worker,superuser=ok *=403",
        POST="anon=login staff,grid_worker,superuser=ok *=403",
        PUT="anon=login staff,grid_worker,superuser=ok *=403",
    ),
    "/staff/wishes/{pk}/": R("wish", GET="anon=login staff,grid_worker=ok/404 superuser=ok *=403"),
    "/staff/wishes/{pk}/cancel/": R(
        "wish",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=403/404 superuser=ok *=403",
    ),
    "/staff/wishes/{pk}/confirm/": R(
        "wish",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=403/404 superuser=ok *=403",
    ),
    "/staff/wishes/{pk}/publish/": R(
        "wish",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=403/404 superuser=ok *=403",
    ),
    "/staff/wishes/{pk}/revoke/": R(
        "wish",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=403/404 superuser=ok *=403",
    ),
    "/staff/wishes/{pk}/submit/": R(
        "wish",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff,grid_worker=ok/404 superuser=ok *=403",
    ),
    "/staff/wishes/{pk}/verify/": R(
        "wish",
        GET="anon=login staff,grid_worker,superuser=405 *=403",
        POST="anon=login staff=ok/404 grid_worker=403/404 superuser=ok *=403",
    ),
    # The public certificate check a certificate's QR code opens: anyone, signed in or not.
    "/verify/{code}/": R("certificate_code", GET="*=ok"),
    # The public validity page a printed registration certificate's QR code opens: anyone, signed in or not.
    "/verify/registration/{code}/": R("registration_code", GET="*=ok"),
}
