"""The admin site is one click away for superusers, and shown to no one else."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ADMIN_LINK = f'<a href="{reverse("admin:index")}"'


def page_for(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_superuser_sees_the_admin_link_in_the_navigation_and_it_opens(world):
    page = page_for(world.superuser, reverse("staff:home"))
    nav = page.split('<nav class="sections"', 1)[1].split("</nav>", 1)[0]
    assert ADMIN_LINK in nav
    client = Client()
    client.force_login(world.superuser)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    ("role", "url"),
    [("staff", "staff:home"), ("member", "member:home"), ("district_admin", "dashboard:home")],
)
def test_other_users_see_no_admin_link(world, role, url):
    page = page_for(world.user(role), reverse(url))
    assert '<nav class="sections"' in page  # they do have a navigation, without the admin in it
    assert ADMIN_LINK not in page
    assert reverse("admin:index") not in page


def test_a_staff_flag_alone_does_not_show_the_link(world):
    world.staff.is_staff = True
    world.staff.save(update_fields=["is_staff"])
    assert ADMIN_LINK not in page_for(world.staff, reverse("staff:home"))
