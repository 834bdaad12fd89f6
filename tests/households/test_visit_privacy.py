"""A household visit's service names a neutral place (the community's paired household visit), never the household's
address: the member's organ reads the record (API and pages) without learning where the household lives; the
address stays on the household, for the community's staff and the paired volunteers."""

import importlib

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from apps.households import services
from apps.households.models import HouseholdVisit
from apps.ledger import services as ledger
from apps.ledger.models import SelfService
from apps.ledger.self_services import PLACE_MAX, record_of
from tests import factories as f
from tests.households.conftest import visit_times

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def visit(world, pairing):
    start, end = visit_times()
    return services.household_visit_register(
        actor=world.member.user, pairing=pairing, started_at=start, ended_at=end, content="陪老人聊天"
    )


def test_a_visit_names_the_community_not_the_address(world, visit):
    with translation.override(settings.LANGUAGE_CODE):
        expected = services.VISIT_PLACE % {"community": world.community.name}
    assert visit.self_service.place == expected
    assert world.community.name in visit.self_service.place
    assert visit.pairing.household.address not in visit.self_service.place


def test_a_long_community_name_is_cut_to_the_place_maximum(world):
    community = f.CommunityFactory(name="长" * 100)
    assert len(services.visit_place(community)) == PLACE_MAX


def test_the_organ_reviewer_reads_the_record_without_the_address(world, visit, make_client):
    address = visit.pairing.household.address
    record = record_of(visit.self_service)
    ledger.record_approve(record=record, actor=world.staff)
    client = make_client(world.reviewer)

    detail = client.get(reverse("service-record-detail", args=[record.pk]))
    assert detail.status_code == 200
    assert detail.json()["self_service"]["place"] == visit.self_service.place
    assert address not in detail.content.decode()
    listed = client.get(reverse("service-record-list"))
    assert record.pk in [row["id"] for row in listed.json()["results"]]
    assert address not in listed.content.decode()
    audit = client.get("/api/v1/audit-entries/")
    assert audit.status_code == 200 and address not in audit.content.decode()

    browser = browser_for(world.reviewer)
    for name in ("dashboard:home", "dashboard:members"):
        page = browser.get(reverse(name))
        assert page.status_code == 200 and address not in page.content.decode()


def test_pages_that_show_the_place_show_the_neutral_one(world, visit):
    address = visit.pairing.household.address
    place = visit.self_service.place
    hours = browser_for(world.member.user).get(reverse("profile:hours"))
    assert place in hours.content.decode() and address not in hours.content.decode()
    # The desk shows the neutral place; the staff of the household's community, who keep the household, also see
    # which one it was (a link to it).
    desk = browser_for(world.staff).get(reverse("staff:records")).content.decode()
    household_url = reverse("staff:household", args=[visit.pairing.household_id])
    assert place in desk and address in desk and f'href="{household_url}"' in desk


def test_the_migration_gives_visits_recorded_before_it_the_neutral_place(world, visit):
    migration = importlib.import_module("apps.households.migrations.0002_visit_place_without_address")
    SelfService.objects.filter(pk=visit.self_service_id).update(place=visit.pairing.household.address)

    from django.apps import apps

    migration.neutral_places(apps, None)

    assert HouseholdVisit.objects.get(pk=visit.pk).self_service.place == services.visit_place(world.community)
