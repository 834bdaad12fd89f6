"""Changing an activity at the desk: the fields PATCH /api/v1/activities/{pk}/ takes, through the same service and
its rules (before the start only, not below the confirmed places, the window in order); gates and scoping."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from apps.activities import errors as activity_errors
from apps.activities.models import ActivityCategory, ActivityStatus, Audience, SignUpStatus
from apps.ledger.models import AuditEntry
from tests import factories as f
from tests.web.test_staff_pages import make_activity, make_signup

pytestmark = pytest.mark.django_db


def browser_for(user, language="en"):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def body(response):
    return response.content.decode()


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def edit_url(activity):
    return reverse("staff:activity-edit", args=[activity.pk])


def form_of(activity, **overrides):
    """The edit form as the page fills it, with some fields changed."""
    data = {
        "title": activity.title,
        "description": activity.description,
        "category": activity.category,
        "starts_at": local(activity.starts_at),
        "ends_at": local(activity.ends_at),
        "signup_deadline": local(activity.signup_deadline),
        "capacity": activity.capacity,
        "audience": activity.audience,
    }
    data.update(overrides)
    return data


@pytest.fixture
def activity(world):
    starts = timezone.localtime(timezone.now() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    return make_activity(world, starts_at=starts, capacity=2)


def test_the_detail_page_links_the_edit_page_and_the_form_shows_the_activity(world, activity):
    client = browser_for(world.staff)
    assert f'href="{edit_url(activity)}"' in body(client.get(reverse("staff:activity-detail", args=[activity.pk])))
    page = client.get(edit_url(activity))
    assert page.status_code == 200
    assert page.context["editable"] is True
    assert page.context["form"].initial["title"] == activity.title
    assert f'value="{local(activity.starts_at)}"' in body(page)


def test_staff_change_an_open_activity_and_only_what_changed_is_recorded(world, activity):
    signup = make_signup(activity, world.member)
    later = activity.starts_at + timedelta(hours=1)
    response = browser_for(world.staff).post(
        edit_url(activity),
        form_of(
            activity,
            title="周末社区大扫除",
            category=ActivityCategory.CARE_VISIT,
            starts_at=local(later),
            ends_at=local(later + timedelta(hours=3)),
            capacity="5",
            audience=Audience.ANYONE,
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:activity-detail", args=[activity.pk])
    activity.refresh_from_db()
    assert (activity.title, activity.category, activity.capacity, activity.audience) == (
        "周末社区大扫除",
        ActivityCategory.CARE_VISIT,
        5,
        Audience.ANYONE,
    )
    assert activity.status == ActivityStatus.OPEN
    assert (activity.starts_at, activity.ends_at) == (later, later + timedelta(hours=3))
    # The signed-up member's sign-up moves with the activity (the service copies the window).
    signup.refresh_from_db()
    assert (signup.starts_at, signup.ends_at) == (activity.starts_at, activity.ends_at)
    entry = AuditEntry.objects.get(subject_type="activities.activity", subject_id=activity.pk, action="update")
    assert set(entry.after) == {"title", "category", "starts_at", "ends_at", "capacity", "audience"}


def test_saving_an_unchanged_form_changes_nothing(world, activity):
    response = browser_for(world.staff).post(edit_url(activity), form_of(activity), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["info"]
    assert not AuditEntry.objects.filter(subject_type="activities.activity", action="update").exists()


def test_more_places_promote_the_waitlist(world, activity):
    make_signup(activity, world.member)
    make_signup(activity, f.MemberFactory(branch=world.branch))
    waiting = make_signup(activity, f.MemberFactory(branch=world.branch), status=SignUpStatus.WAITLISTED)
    browser_for(world.staff).post(edit_url(activity), form_of(activity, capacity="3"))
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.CONFIRMED


def test_fewer_places_than_confirmed_is_refused_with_the_services_message(world, activity):
    make_signup(activity, world.member)
    make_signup(activity, f.MemberFactory(branch=world.branch))
    response = browser_for(world.staff).post(edit_url(activity), form_of(activity, capacity="1", title="改名"))
    assert response.status_code == 200
    codes = [e.code for e in response.context["form"].non_field_errors().as_data()]
    assert codes == ["capacity_below_confirmed"]
    with translation.override("en"):
        message = str(activity_errors.CAPACITY_BELOW_CONFIRMED % {"count": 2})
    assert f'data-error-code="capacity_below_confirmed">{message}</p>' in body(response)
    activity.refresh_from_db()
    assert (activity.capacity, activity.title) == (2, "社区环境卫生整治")


def test_a_deadline_after_the_start_is_refused(world, activity):
    response = browser_for(world.staff).post(
        edit_url(activity), form_of(activity, signup_deadline=local(activity.starts_at + timedelta(hours=1)))
    )
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["signup_deadline_after_start"]
    activity.refresh_from_db()
    assert activity.signup_deadline == activity.starts_at


@pytest.mark.parametrize("status", [ActivityStatus.CANCELLED, ActivityStatus.FINISHED])
def test_a_cancelled_or_finished_activity_cannot_be_changed(world, activity, status):
    type(activity).objects.filter(pk=activity.pk).update(status=status)
    client = browser_for(world.staff)
    detail = body(client.get(reverse("staff:activity-detail", args=[activity.pk])))
    assert edit_url(activity) not in detail
    page = client.get(edit_url(activity))
    assert page.status_code == 200 and page.context["editable"] is False
    assert 'data-error-code="activity_not_editable"' in body(page)
    response = client.post(edit_url(activity), form_of(activity, title="改名"))
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["activity_not_editable"]
    activity.refresh_from_db()
    assert activity.title == "社区环境卫生整治"


def test_an_activity_that_has_started_cannot_be_changed(world):
    started = make_activity(world, starts_at=timezone.now() - timedelta(minutes=30))
    response = browser_for(world.staff).post(edit_url(started), form_of(started, title="改名"))
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["activity_not_editable"]
    started.refresh_from_db()
    assert started.title == "社区环境卫生整治"


def test_a_grid_worker_changes_an_activity_of_their_grid(world, activity):
    browser_for(world.grid_worker).post(edit_url(activity), form_of(activity, title="网格员改的标题"))
    activity.refresh_from_db()
    assert activity.title == "网格员改的标题"


def test_another_communitys_activity_is_a_404(world):
    elsewhere = make_activity(world, community=world.other_community, created_by=world.other_member.user)
    client = browser_for(world.staff)
    assert client.get(edit_url(elsewhere)).status_code == 404
    assert client.post(edit_url(elsewhere), form_of(elsewhere, title="改名")).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.title == "社区环境卫生整治"


@pytest.mark.parametrize("role", ["member", "secretary", "reviewer", "district_admin"])
def test_other_roles_are_refused(world, activity, role):
    client = browser_for(world.user(role))
    assert client.get(edit_url(activity)).status_code == 403
    assert client.post(edit_url(activity), form_of(activity, title="改名")).status_code == 403
    activity.refresh_from_db()
    assert activity.title == "社区环境卫生整治"


def test_the_form_is_one_column_of_fields(world, activity):
    """Usable at 360 px: the narrow card form of the desk, no table."""
    page = body(browser_for(world.staff).get(edit_url(activity)))
    assert '<form method="post" class="card narrow">' in page and "<table" not in page
