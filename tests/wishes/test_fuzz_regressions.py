"""Regressions found by the schema fuzzer: wish fields that stay empty until a step happens are nullable."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.wishes.models import WishStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("WishOutput", "published_at"),
        ("WishOutput", "fulfilled_at"),
        ("WishOutput", "confirmed_at"),
        ("WishOutput", "rating"),
        ("ClaimOutput", "member_name"),
        ("ClaimOutput", "branch_name"),
        ("MyClaimOutput", "member_name"),
        ("MyClaimOutput", "branch_name"),
    ],
)
def test_fields_empty_until_their_step_are_documented_as_null(components, component, field):
    assert components[component]["properties"][field]["nullable"] is True


def test_a_claimed_wish_answers_null_for_the_steps_to_come_and_for_the_absent_branch(make_client, w):
    wish = w.claimed()
    body = make_client(w.staff).get(f"/api/v1/wishes/{wish.pk}/").json()
    assert body["status"] == WishStatus.CLAIMED
    assert (body["fulfilled_at"], body["confirmed_at"], body["rating"]) == (None, None, None)
    assert body["claim"]["branch_name"] is None
    assert body["claim"]["member_name"] == w.member.user.name


def test_a_draft_wish_answers_null_for_its_publication(make_client, w):
    wish = w.wish(status=WishStatus.DRAFT)
    body = make_client(w.staff).get(f"/api/v1/wishes/{wish.pk}/").json()
    assert body["published_at"] is None
