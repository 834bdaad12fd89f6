"""The site's icon: /favicon.ico answers, every page links the icon, and the committed files are the drawing's."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from PIL import Image

from apps.web import favicon

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "apps" / "web" / "static" / "web"


def test_favicon_ico_answers_with_the_icon_for_anyone():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age=86400" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO"
    assert icon.info["sizes"] == {(16, 16), (32, 32), (48, 48)}


def test_favicon_ico_refuses_a_post():
    assert Client().post("/favicon.ico").status_code == 405


def test_every_page_links_the_icons(world):
    for client, url in ((Client(), reverse("web:login")), (_browser(world.member.user), reverse("member:home"))):
        body = client.get(url).content.decode()
        assert '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">' in body, url
        assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in body, url
    assert finders.find("web/favicon.svg") and finders.find("web/favicon.ico")


def _browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_committed_svg_is_the_drawing():
    assert (STATIC / "favicon.svg").read_text(encoding="utf-8") == favicon.svg_text(), (
        "run .venv/bin/python scripts/make_favicon.py"
    )


@pytest.mark.parametrize("size", favicon.ICO_SIZES)
def test_the_committed_ico_is_the_drawing_at_each_size(size):
    with Image.open(STATIC / "favicon.ico") as icon:
        icon.size = (size, size)
        frame = icon.convert("RGBA")
    assert frame.size == (size, size)
    assert frame.tobytes() == favicon.render(size).tobytes(), "run .venv/bin/python scripts/make_favicon.py"
    # A white heart in the middle, the site's red above it, transparent outside the rounded corner.
    assert frame.getpixel((size // 2, size // 2)) == (255, 255, 255, 255)
    red = frame.getpixel((size // 2, size // 16))
    assert red[3] == 255 and all(abs(a - b) <= 3 for a, b in zip(red[:3], (0xB0, 0x14, 0x1F), strict=True))
    assert frame.getpixel((0, 0))[3] == 0
