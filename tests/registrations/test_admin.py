"""The admin lists all four models and changes state only through the services."""

import pytest
from django.test import Client

from apps.registrations.models import Registration, RegistrationStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(world):
    client = Client()
    client.force_login(world.superuser)
    return client


@pytest.mark.parametrize("model", ["registration", "post", "postclaim", "pairing"])
def test_changelists_render(world, admin_client_for, make_registration, model):
    make_registration()
    f.PairingFactory(organ=world.organ, community=world.community)
    f.PostFactory(community=world.community)
    assert admin_client_for.get(f"/admin/registrations/{model}/").status_code == 200


def test_confirm_action_goes_through_the_service(world, admin_client_for, make_registration):
    pending = make_registration(status=RegistrationStatus.PENDING)
    done = make_registration(member=world.other_member, status=RegistrationStatus.CONFIRMED)
    response = admin_client_for.post(
        "/admin/registrations/registration/",
        {"action": "confirm_selected", "_selected_action": [pending.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    confirmed = Registration.objects.get(pk=pending.pk)
    assert confirmed.status == RegistrationStatus.CONFIRMED and confirmed.receipt_number.startswith("SBD-")
    assert Registration.objects.get(pk=done.pk).receipt_number == done.receipt_number


def test_admin_cannot_add_or_edit_rows_directly(world, admin_client_for, make_registration):
    reg = make_registration()
    assert admin_client_for.get("/admin/registrations/registration/add/").status_code == 403
    response = admin_client_for.post(f"/admin/registrations/registration/{reg.pk}/change/", {"status": "rejected"})
    assert response.status_code == 403
    assert Registration.objects.get(pk=reg.pk).status == RegistrationStatus.CONFIRMED
