"""No page weighs over 300 KB before images on first load: its HTML plus the stylesheets and scripts it links.

Each role's main pages are fetched as that role, over a world with enough rows that a list page would grow if it
were not paginated; the linked static files are read through the staticfiles finders, as the server would send them.
"""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIMIT = 300 * 1024
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="/static/([^"]+)"')


def first_load_bytes(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    total = len(response.content)
    for asset in set(ASSET.findall(html)):
        path = finders.find(asset)
        assert path, f"{url} links a static file that does not exist: {asset}"
        with open(path, "rb") as fh:
            total += len(fh.read())
    return total


MAIN_PAGES = {
    "member": ["member:home", "profile:overview", "notifications:list"],
    "staff": ["staff:home"],
    "reviewer": ["dashboard:home"],
    "district_admin": ["dashboard:home"],
}


@pytest.mark.parametrize(("role", "name"), [(r, n) for r, names in MAIN_PAGES.items() for n in names])
def test_main_pages_stay_under_300_kb_before_images(world, role, name):
    client = Client()
    client.force_login(world.user(role))
    weight = first_load_bytes(client, reverse(name))
    assert weight < LIMIT, f"{name} as {role}: {weight} bytes"


def test_the_login_page_stays_under_300_kb():
    assert first_load_bytes(Client(), reverse("web:login")) < LIMIT
