"""The exact number of SQL queries of every member page, pinned, and the same whether a page shows 3 items or 20.

Each member page is read as a member with real content (tests/bench/pages/content.py, the content the page benchmark
gives its members): open wishes and activities near home, claims in every state, sign-ups with attended past
activities and approved hours, service records, certificates and notifications. Every page is read once before it is
counted (the steady state of a running server, as the benchmark measures it: caches of content types and the like
filled). A change of these numbers is a change of the pages' cost: lower them here when a page gets cheaper
(docs/performance.md, "Member pages").
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.bench.pages import content

pytestmark = pytest.mark.django_db

# Queries of one signed-in request, the session with its user and the scope with the unread count included (the same
# on SQLite and PostgreSQL).
PINNED = {
    "home": 5,  # session, scope, registration, the wishes near home with their total, the activities with theirs
    "wish (open)": 3,  # + the wish
    "wish (my open claim)": 5,  # + its current claim, + the record that the member was shown the resident's contact
    "activity (open)": 4,  # + the activity, the member's sign-up
    "activity (signed up)": 4,
    "my claims": 3,  # + the page of claims with their total
    "my activities": 3,
    "my hours": 5,  # + the page of records with their total, their sign-ups (disputes), the year's totals
    "my certificates": 3,
    "notifications": 3,
}


def member_with(world, items):
    """The world's member, registered in the world's grid, with `items` of everything the member pages list; returns
    each page's URL."""
    member, staff, grid = world.member, world.staff, world.grid
    f.RegistrationFactory(member=member, grid=grid)
    near_wishes, near_activities = content.nearby(grid=grid, staff=staff, count=items)
    claimed = content.claims(member=member, staff=staff, grid=grid, count=items)
    upcoming, past = content.activities(
        community=world.community,
        staff=staff,
        point=(grid.latitude, grid.longitude),
        upcoming=items - items // 2,
        past=items // 2,
    )
    content.take_part(members=[member], staff=staff, upcoming=upcoming, past=past)
    content.service_records(member=member, staff=staff, grid=grid, count=items)
    content.certificates(member=member, count=items)
    content.notifications(user=member.user, count=items, wishes=claimed, activities=upcoming)
    return {
        "home": reverse("member:home"),
        "wish (open)": reverse("member:wish", args=[near_wishes[0].pk]),
        "wish (my open claim)": reverse("member:wish", args=[claimed[-1].pk]),
        "activity (open)": reverse("member:activity", args=[near_activities[0].pk]),
        "activity (signed up)": reverse("member:activity", args=[upcoming[0].pk]),
        "my claims": reverse("member:claims"),
        "my activities": reverse("member:activities"),
        "my hours": reverse("profile:hours"),
        "my certificates": reverse("profile:certificates"),
        "notifications": reverse("notifications:list"),
    }


def shown(name, context):
    """How many items the page shows (None for a page of one object: whether it shows the member's part instead)."""
    return {
        "home": lambda: len(context["items"]),
        "wish (open)": lambda: context["can_claim"],
        "wish (my open claim)": lambda: context["my_claim"] is not None and context["can_fulfil"],
        "activity (open)": lambda: context["can_sign_up"],
        "activity (signed up)": lambda: context["signup"] is not None and context["can_cancel"],
        "my claims": lambda: len(context["object_list"]),
        "my activities": lambda: len(context["object_list"]),
        "my hours": lambda: len(context["rows"]),
        "my certificates": lambda: len(context["certificates"]),
        "notifications": lambda: len(context["rows"]),
    }[name]()


# What each page shows with 3 and with 20 of everything (a list page shows at most 20: the counts above would not
# notice an N+1 beyond them). 3 of everything: home 3 wishes and 3 activities near home, plus the 2 upcoming
# activities the member signed up for; hours 3 manual services, 1 confirmed wish and 1 attended activity.
SHOWN = {
    3: {"home": 8, "my claims": 3, "my activities": 3, "my hours": 5, "my certificates": 3, "notifications": 3},
    20: {"home": 20, "my claims": 20, "my activities": 20, "my hours": 20, "my certificates": 20, "notifications": 20},
}


@pytest.mark.parametrize("items", [3, 20])
def test_each_member_page_reads_its_pinned_number_of_queries_whatever_it_shows(
    world, items, django_assert_num_queries, subtests
):
    pages = member_with(world, items)
    client = Client()
    client.force_login(world.member.user)
    for name, url in pages.items():
        with subtests.test(page=name):
            assert client.get(url).status_code == 200  # the first read fills the process's caches
            with django_assert_num_queries(PINNED[name]):
                response = client.get(url)
            assert response.status_code == 200
            assert shown(name, response.context) == SHOWN[items].get(name, True)
