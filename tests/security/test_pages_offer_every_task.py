"""Every task the API offers a role is offered to that role on a page too, unless it is on the short list of
API-only operations below, each with its reason (docs/api.md repeats the list).

The evidence is the permission matrix's rule table (tests/security/matrix_rules.py), which the matrix test checks
against real requests for every route, role and side: a role that gets through on the API's state-changing route
(outcome "ok" on side A) must get through on at least one of the pages that do the same.
"""

import pytest

from tests.security.matrix_rules import RULES, UNSAFE_METHODS

# The API's state-changing route → the page routes (state-changing too) that call the same service.
PAGES_FOR = {
    "/api/v1/activities/": ["/staff/activities/new/"],
    "/api/v1/activities/{pk}/": ["/staff/activities/{pk}/edit/"],
    "/api/v1/activities/{pk}/cancel/": ["/staff/activities/{pk}/cancel/"],
    "/api/v1/activities/{pk}/checkin/": ["/m/activities/{pk}/checkin/code/", "/m/activities/{pk}/checkin/position/"],
    "/api/v1/activities/{pk}/checkout/": ["/m/activities/{pk}/checkout/"],
    "/api/v1/activities/{pk}/finish/": ["/staff/activities/{pk}/finish/"],
    "/api/v1/activities/{pk}/residents/": ["/staff/activities/{pk}/residents/"],
    "/api/v1/activities/{pk}/publish/": ["/staff/activities/{pk}/publish/"],
    "/api/v1/activities/{pk}/signup/": ["/m/activities/{pk}/signup/"],
    "/api/v1/activities/{pk}/signup-team/": ["/m/activities/{pk}/signup-team/"],
    "/api/v1/auth/code/": ["/password/code/"],
    "/api/v1/auth/login/": ["/login/"],
    "/api/v1/auth/logout/": ["/logout/"],
    "/api/v1/auth/password/": ["/password/set/"],
    "/api/v1/certificates/": ["/me/certificate/", "/manage/members/{pk}/certificate/"],
    "/api/v1/certificates/{pk}/revoke/": ["/manage/certificates/{pk}/revoke/"],
    "/api/v1/evaluations/": ["/staff/evaluations/submit/"],
    "/api/v1/members/{pk}/move/": ["/manage/members/{pk}/move/", "/manage/members/{pk}/transfer/"],
    "/api/v1/household-pairings/": ["/staff/households/{pk}/pair/"],
    "/api/v1/household-pairings/{pk}/end/": ["/staff/household-pairings/{pk}/end/"],
    "/api/v1/household-pairings/{pk}/visit/": ["/m/households/{pk}/"],
    "/api/v1/households/": ["/staff/households/new/"],
    "/api/v1/households/{pk}/": ["/staff/households/{pk}/edit/"],
    "/api/v1/households/{pk}/close/": ["/staff/households/{pk}/close/"],
    "/api/v1/notifications/read-all/": ["/notifications/read-all/"],
    "/api/v1/notifications/{pk}/read/": ["/notifications/{pk}/read/"],
    "/api/v1/pairings/": ["/manage/pairings/new/"],
    "/api/v1/pairings/{pk}/end/": ["/manage/pairings/{pk}/end/"],
    "/api/v1/post-claims/{pk}/release/": ["/me/posts/{pk}/release/", "/staff/posts/claims/{pk}/release/"],
    "/api/v1/posts/": ["/staff/posts/new/"],
    "/api/v1/posts/{pk}/": ["/staff/posts/{pk}/edit/"],
    "/api/v1/posts/{pk}/claim/": ["/me/posts/{pk}/claim/"],
    "/api/v1/posts/{pk}/deactivate/": ["/staff/posts/{pk}/deactivate/"],
    "/api/v1/posts/{pk}/release/": ["/me/posts/{pk}/release/"],
    "/api/v1/registrations/": ["/me/registration/"],
    "/api/v1/registrations/move/": ["/me/registration/"],
    "/api/v1/registrations/{pk}/confirm/": ["/staff/registrations/{pk}/confirm/"],
    "/api/v1/registrations/{pk}/reject/": ["/staff/registrations/{pk}/reject/"],
    "/api/v1/registrations/{pk}/withdraw/": ["/me/registration/{pk}/withdraw/"],
    "/api/v1/resident-requests/{pk}/accept/": ["/staff/requests/{pk}/accept/"],
    "/api/v1/resident-requests/{pk}/decline/": ["/staff/requests/{pk}/decline/"],
    "/api/v1/resident-requests/{pk}/merge/": ["/staff/requests/{pk}/merge/"],
    "/api/v1/role-assignments/": ["/manage/places/appoint/", "/manage/places/communities/{pk}/appoint/"],
    "/api/v1/service-records/": ["/staff/records/new/"],
    "/api/v1/service-records/register/": ["/me/hours/register/"],
    "/api/v1/service-records/{pk}/amend/": ["/staff/records/{pk}/adjust/"],
    "/api/v1/service-records/{pk}/approve/": ["/staff/records/{pk}/approve/"],
    "/api/v1/service-records/{pk}/reject/": ["/staff/records/{pk}/reject/"],
    "/api/v1/signups/{pk}/adjust-hours/": ["/staff/signups/{pk}/adjust/"],
    "/api/v1/signups/{pk}/approve-hours/": ["/staff/signups/{pk}/approve/"],
    "/api/v1/signups/{pk}/attendance/": ["/staff/signups/{pk}/attendance/"],
    "/api/v1/signups/{pk}/cancel/": ["/m/activities/{pk}/cancel/", "/staff/signups/{pk}/cancel/"],
    "/api/v1/signups/{pk}/dispute/": ["/me/hours/signups/{pk}/dispute/"],
    "/api/v1/signups/{pk}/reject-hours/": ["/staff/signups/{pk}/reject/"],
    "/api/v1/teams/": ["/manage/teams/new/"],
    "/api/v1/teams/{pk}/": ["/manage/teams/{pk}/edit/"],
    "/api/v1/teams/{pk}/accept/": ["/m/teams/memberships/{pk}/accept/", "/manage/teams/memberships/{pk}/accept/"],
    "/api/v1/teams/{pk}/apply/": ["/m/teams/{pk}/apply/"],
    "/api/v1/teams/{pk}/decline/": ["/m/teams/memberships/{pk}/decline/", "/manage/teams/memberships/{pk}/decline/"],
    "/api/v1/teams/{pk}/dissolve/": ["/manage/teams/{pk}/dissolve/"],
    "/api/v1/teams/{pk}/leader/": ["/manage/teams/{pk}/leader/"],
    "/api/v1/teams/{pk}/leave/": ["/m/teams/{pk}/leave/"],
    "/api/v1/teams/{pk}/remove/": ["/m/teams/memberships/{pk}/remove/", "/manage/teams/memberships/{pk}/remove/"],
    "/api/v1/wishes/": ["/staff/wishes/new/"],
    "/api/v1/wishes/{pk}/cancel/": ["/staff/wishes/{pk}/cancel/"],
    "/api/v1/wishes/{pk}/claim/": ["/m/wishes/{pk}/claim/"],
    "/api/v1/wishes/{pk}/confirm/": ["/staff/wishes/{pk}/confirm/"],
    "/api/v1/wishes/{pk}/fulfil/": ["/m/wishes/{pk}/fulfil/"],
    "/api/v1/wishes/{pk}/publish/": ["/staff/wishes/{pk}/publish/"],
    "/api/v1/wishes/{pk}/release/": ["/m/wishes/{pk}/release/"],
    "/api/v1/wishes/{pk}/revoke/": ["/staff/wishes/{pk}/revoke/"],
    "/api/v1/wishes/{pk}/submit/": ["/staff/wishes/{pk}/submit/"],
    "/api/v1/wishes/{pk}/verify/": ["/staff/wishes/{pk}/verify/"],
}

# API-only operations, each with the reason a page does not offer it one by one.
API_ONLY = {
    "/api/v1/organs/": "Organs come in through the organs import (/manage/imports/), checked row by row with a "
    "preview; creating them one by one is for integrations.",
    "/api/v1/party-orgs/": "Party organizations come in through the organs import with their organ's tree.",
    "/api/v1/members/": "Members come in through the roster import, which also moves and deactivates them.",
}


# The matrix posts an empty form to a page: a page whose form names its object in the data answers a role that
# passed the role gate with 404 (no such object), and the logout page sends everyone to the login page. For these,
# passing the gate is what the rule table can show.
GATE_ONLY_PAGES = {"/staff/evaluations/submit/", "/logout/"}

# The API checks a check-in code, or the body, before it asks who the caller is: other roles meet that 400, which the
# matrix counts as getting through. The task itself is the member's.
TASK_ROLES = {
    "/api/v1/activities/{pk}/checkin/": {"member"},
    "/api/v1/activities/{pk}/checkout/": {"member"},
}


# Tasks a page does not yet offer to every role the API offers them to: the test fails for them (strict xfail), so
# the list can only shrink. Issue "Every task of every role on its pages" stays open while it is not empty.
KNOWN_GAPS = {}


def unsafe_api_routes():
    return {
        route
        for route, rule in RULES.items()
        if route.startswith("/api/") and any(method in rule.specs for method in UNSAFE_METHODS)
    }


def unsafe_methods(rule):
    return [method for method in UNSAFE_METHODS if method in rule.specs]


def ok_roles(rule, *, gate_only=False):
    """The roles that get through at least one state-changing method of the route on side A (`gate_only`: the
    roles the route does not refuse)."""
    passed = {"ok", "404", "login"} if gate_only else {"ok"}
    return {role for method in unsafe_methods(rule) for role in rule.roles if rule.expect(method, role, "A") in passed}


def test_every_state_changing_api_route_has_a_page_or_a_reason():
    routes = unsafe_api_routes()
    assert sorted(routes - set(PAGES_FOR) - set(API_ONLY)) == []
    assert sorted((set(PAGES_FOR) | set(API_ONLY)) - routes) == [], "listed routes that no longer exist"
    assert not set(PAGES_FOR) & set(API_ONLY)
    assert all(len(reason) > 40 for reason in API_ONLY.values())


@pytest.mark.parametrize(
    "api_route",
    [
        pytest.param(route, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[route]))
        if route in KNOWN_GAPS
        else route
        for route in sorted(PAGES_FOR)
    ],
)
def test_the_pages_offer_the_task_to_every_role_the_api_offers_it_to(api_route):
    pages = PAGES_FOR[api_route]
    missing = [page for page in pages if page not in RULES]
    assert not missing, f"no such page route: {missing}"
    assert all(unsafe_methods(RULES[page]) for page in pages), "a page that changes nothing does not do the task"
    api_roles = TASK_ROLES.get(api_route, ok_roles(RULES[api_route])) - {"anon"}
    page_roles = set().union(*(ok_roles(RULES[page], gate_only=page in GATE_ONLY_PAGES) for page in pages))
    assert sorted(api_roles - page_roles) == []


# --- documents to download ----------------------------------------------------------------------------------------

# The API's documents (GET, nothing changes) → the page routes that give the same file. A role the API lets download
# a document on side A gets it from at least one of these pages.
DOWNLOAD_PAGES_FOR = {
    "/api/v1/certificates/{pk}/pdf/": ["/me/certificate/{pk}/pdf/", "/manage/certificates/{pk}/pdf/"],
    "/api/v1/registrations/{pk}/certificate/": [
        "/me/registration/{pk}/certificate/",
        "/staff/registrations/{pk}/certificate/",
        "/manage/receipts/{pk}/certificate/",
    ],
}


def download_roles(rule):
    return {role for role in rule.roles if rule.expect("GET", role, "A") == "ok"} - {"anon"}


@pytest.mark.parametrize("api_route", sorted(DOWNLOAD_PAGES_FOR))
def test_the_pages_offer_each_download_to_every_role_the_api_offers_it_to(api_route):
    pages = DOWNLOAD_PAGES_FOR[api_route]
    missing = [page for page in pages if page not in RULES]
    assert api_route in RULES and not missing, f"no such route: {missing or api_route}"
    page_roles = set().union(*(download_roles(RULES[page]) for page in pages))
    assert sorted(download_roles(RULES[api_route]) - page_roles) == []
