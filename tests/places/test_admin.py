"""The admin pages of the geography tree load, search, and refuse malformed boundaries."""

import pytest
from django.urls import reverse

from apps.places.models import Community, District, GazetteerEntry, Grid, Street

pytestmark = pytest.mark.django_db

MODELS = [District, Street, Community, Grid, GazetteerEntry]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.superuser)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_search_and_add_pages_load(admin_client, geo, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "阳光"}).status_code == 200
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_grid_change_page_loads(admin_client, geo):
    assert admin_client.get(reverse("admin:places_grid_change", args=[geo.a1.pk])).status_code == 200


def _grid_form(geo, polygon):
    return {
        "name": "新网格",
        "code": "G-ADMIN-1",
        "latitude": "29.001",
        "longitude": "119.001",
        "community": str(geo.a.pk),
        "polygon": polygon,
        "grid_worker": "",
    }


def test_admin_refuses_a_malformed_boundary(admin_client, geo):
    response = admin_client.post(reverse("admin:places_grid_add"), _grid_form(geo, "[[119.0, 29.0], [119.1]]"))
    assert response.status_code == 200  # the form again, with the error
    assert list(response.context["adminform"].form.errors) == ["polygon"]
    assert not Grid.objects.filter(code="G-ADMIN-1").exists()


def test_admin_accepts_a_boundary_of_lng_lat_pairs(admin_client, geo):
    polygon = "[[119.0, 29.0], [119.001, 29.0], [119.001, 29.001]]"
    response = admin_client.post(reverse("admin:places_grid_add"), _grid_form(geo, polygon))
    assert response.status_code == 302
    assert Grid.objects.get(code="G-ADMIN-1").polygon == [[119.0, 29.0], [119.001, 29.0], [119.001, 29.001]]
