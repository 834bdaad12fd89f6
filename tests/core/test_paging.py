"""A list page read with its total in one query (apps/core/paging.py) gives what Django's Paginator gives."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.core.paging import OnePageQuery
from tests import factories as f
from tests.web.test_member_pages import MemberWorld, browser_for

pytestmark = pytest.mark.django_db


def pages(number, per_page=3):
    plain = Paginator(User.objects.order_by("id"), per_page).get_page(number)
    with CaptureQueriesContext(connection) as queries:
        one = Paginator(OnePageQuery(User.objects.order_by("id"), page=number, per_page=per_page), per_page).get_page(
            number
        )
        rows = list(one.object_list)
    return plain, one, rows, len(queries.captured_queries)


@pytest.mark.parametrize(
    "asked, shown, queries",
    [
        (1, 1, 1),
        ("2", 2, 1),
        (3, 3, 1),  # the last page, short: 2 of 3
        (4, 3, 3),  # past the end: the last page, as Paginator does (the empty read, the total, then the page)
        ("x", 1, 2),  # not a number: page 1
        (None, 1, 2),
        ("0", 3, 2),  # Paginator's own reading of 0: the last page
        ("9" * 30, 3, 2),  # far past the end: no OFFSET the database could not take
    ],
)
def test_each_page_is_the_paginators_page(asked, shown, queries):
    f.UserFactory.create_batch(8)
    plain, one, rows, count = pages(asked)
    assert one.number == plain.number == shown
    assert one.paginator.count == plain.paginator.count == 8
    assert rows == list(plain.object_list)
    assert count == queries


def test_an_empty_list_has_one_empty_page():
    plain, one, rows, _count = pages(1)
    assert rows == [] and one.paginator.num_pages == plain.paginator.num_pages == 1


def test_a_list_page_past_the_end_is_a_404_as_before(world):
    client = Client()
    client.force_login(world.member.user)
    for page in ("1", "last"):
        assert client.get(reverse("member:claims"), {"page": page}).status_code == 200
    for page in ("2", "9" * 30, "x"):
        assert client.get(reverse("member:claims"), {"page": page}).status_code == 404


def test_the_homes_last_page_shows_its_rows_whichever_way_it_is_asked_for(world):
    mw = MemberWorld(world)
    for k in range(25):
        mw.wish(title=f"第{k}个心愿")
    client = browser_for(mw.member.user)
    for page in ("2", "0", "-3", "9" * 30):  # 0, negative and past the end: the last page, as Paginator reads them
        response = client.get(reverse("member:home"), {"page": page})
        assert response.status_code == 200
        assert response.context["page_obj"].number == 2 and len(response.context["items"]) == 5
    assert len(client.get(reverse("member:home"), {"page": "x"}).context["items"]) == 20
