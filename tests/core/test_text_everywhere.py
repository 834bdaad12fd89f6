"""The free-text maxima and the removal of direction controls beyond wishes: activities, posts, pairings,
registrations, organizations, notifications and imports (the wishes' own are in tests/wishes/test_text_limits.py)."""

import datetime

import pytest
from django.utils import timezone

from apps.activities.models import Activity
from apps.core.errors import Invalid
from apps.imports.reading import _cell_text
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.orgs import services as org_services
from apps.orgs.models import Member, Organ
from apps.registrations import services as registration_services
from apps.registrations.models import Pairing, Post, Registration, RegistrationStatus
from tests import factories as f
from tests.activities.conftest import ActivityWorld

pytestmark = pytest.mark.django_db

RLO, PDF = "\u202e", "\u202c"


@pytest.fixture
def aw(world):
    return ActivityWorld(world)


def _activity(aw, **kwargs):
    start = timezone.now() + datetime.timedelta(days=3)
    data = {
        "community": aw.community.pk,
        "grid": aw.grid.pk,
        "title": "政策宣讲",
        "category": "policy_talk",
        "address": "幸福路1号",
        "latitude": f.CITY_LAT,
        "longitude": f.CITY_LNG,
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
        "capacity": 20,
    }
    data.update(kwargs)
    return data


def test_the_models_maxima():
    assert Activity._meta.get_field("description").max_length == 2000
    assert Post._meta.get_field("description").max_length == 2000
    assert Pairing._meta.get_field("projects").max_length == 2000
    assert Notification._meta.get_field("body").max_length == 10_000


class TestActivities:
    def test_an_over_long_description_is_400_and_exactly_the_maximum_is_accepted(self, aw, make_client):
        client = make_client(aw.staff)
        response = client.post("/api/v1/activities/", _activity(aw, description="长" * 2001), format="json")
        assert response.status_code == 400 and list(response.json()["fields"]) == ["description"]
        assert not Activity.objects.exists()
        response = client.post("/api/v1/activities/", _activity(aw, description="长" * 2000), format="json")
        assert response.status_code == 201, response.json()
        activity = Activity.objects.get()
        response = client.patch(f"/api/v1/activities/{activity.pk}/", {"description": "长" * 2001}, format="json")
        assert response.status_code == 400 and list(response.json()["fields"]) == ["description"]

    def test_direction_controls_are_removed(self, aw, make_client):
        body = _activity(
            aw, title=f"{RLO}政策宣讲{PDF}", description=f"宣讲{RLO}新政策", address="幸福路\u20661号\u2069"
        )
        response = make_client(aw.staff).post("/api/v1/activities/", body, format="json")
        assert response.status_code == 201, response.json()
        activity = Activity.objects.get()
        assert (activity.title, activity.description, activity.address) == ("政策宣讲", "宣讲新政策", "幸福路1号")


class TestRegistrations:
    def test_post_duties_and_pairing_projects_have_their_maximum(self, world, make_client):
        client = make_client(world.staff)
        body = {"community": world.community.id, "kind": "civility_guide", "title": "文明劝导员"}
        response = client.post("/api/v1/posts/", {**body, "description": "长" * 2001}, format="json")
        assert response.status_code == 400 and list(response.json()["fields"]) == ["description"]
        response = client.post("/api/v1/posts/", {**body, "description": "长" * 2000}, format="json")
        assert response.status_code == 201
        start = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
        body = {"organ": world.organ.id, "community": world.community.id, "starts_on": start}
        response = make_client(world.reviewer).post("/api/v1/pairings/", {**body, "projects": "长" * 2001})
        assert response.status_code == 400 and list(response.json()["fields"]) == ["projects"]
        assert not Pairing.objects.exists()

    def test_a_registration_address_over_200_is_400(self, world, make_client):
        response = make_client(world.member.user).post("/api/v1/registrations/", {"address": "长" * 201})
        assert response.status_code == 400 and list(response.json()["fields"]) == ["address"]
        assert not Registration.objects.exists()

    def test_a_rejection_reason_is_cleaned_by_the_service(self, world):
        registration = f.RegistrationFactory(
            member=world.member, grid=world.grid, status=RegistrationStatus.PENDING, receipt_number=None
        )
        with pytest.raises(Invalid) as exc:
            registration_services.registration_reject(registration=registration, actor=world.staff, reason=RLO)
        assert exc.value.code == "reason_required"
        registration_services.registration_reject(
            registration=registration, actor=world.staff, reason=f"{RLO}地址不在本社区{PDF}"
        )
        registration.refresh_from_db()
        assert registration.reject_reason == "地址不在本社区"


class TestOrganizations:
    def test_a_member_created_by_a_service_gets_the_maximum_of_each_field(self, world):
        with pytest.raises(Invalid) as exc:
            org_services.member_create(
                branch=world.branch, phone="13900009999", name="李四", job_title="长" * 51, actor=world.reviewer
            )
        assert exc.value.code == "text_too_long" and exc.value.extra == {"field": "job_title", "max_length": 50}
        assert not Member.objects.filter(user__phone="13900009999").exists()
        member = org_services.member_create(
            branch=world.branch, phone="13900009999", name=f"{RLO}李四", job_title=f"科员{PDF}", actor=world.reviewer
        )
        assert (member.user.name, member.job_title) == ("李四", "科员")

    def test_a_deactivation_reason_over_200_is_refused_and_the_member_stays_active(self, world):
        with pytest.raises(Invalid) as exc:
            org_services.member_set_active(member=world.member, active=False, reason="长" * 201, actor=world.reviewer)
        assert exc.value.code == "text_too_long" and exc.value.extra["max_length"] == 200
        world.member.refresh_from_db()
        assert world.member.is_active

    def test_a_search_text_has_a_maximum_too(self, world, make_client):
        client = make_client(world.reviewer)
        assert client.get("/api/v1/organs/", {"name": "长" * 100}).status_code == 200
        response = client.get("/api/v1/organs/", {"name": "长" * 101})
        assert response.status_code == 400 and list(response.json()["fields"]) == ["name"]
        assert client.get("/api/v1/members/", {"name": "长" * 51}).status_code == 400

    def test_an_organ_name_over_100_is_refused_by_the_service(self, world):
        with pytest.raises(Invalid) as exc:
            org_services.organ_create(name="长" * 101, actor=world.superuser)
        assert exc.value.extra["field"] == "name"
        assert not Organ.objects.filter(name="长" * 101).exists()


def test_a_notification_is_cleaned_and_an_over_long_body_cut(world):
    notification = notify(user=world.member.user, kind="wish_claimed", title=f"{RLO}认领", body="长" * 10_005)
    assert notification.title == "认领"
    assert len(notification.body) == 10_000 and notification.body.endswith("…")


def test_an_imported_cell_is_cleaned():
    assert _cell_text(f" {RLO}王秀英{PDF} ") == "王秀英"
    assert _cell_text(13800001111.0) == "13800001111"
