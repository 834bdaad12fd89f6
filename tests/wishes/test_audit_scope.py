"""The audit history of a wish is readable by those who can see the wish, and by nobody else."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _actions(client, wish):
    response = client.get(reverse("audit-entry-list"), {"subject_type": "wishes.wish", "subject_id": wish.pk})
    assert response.status_code == 200
    return [row["action"] for row in response.data["results"]]


def test_community_staff_read_the_history_of_their_wish(w, make_client):
    wish = w.claimed()
    assert _actions(make_client(w.staff), wish) == ["claim"]


def test_staff_of_another_community_see_no_history_of_it(w, make_client):
    wish = w.claimed()
    assert _actions(make_client(w.other_staff), wish) == []
