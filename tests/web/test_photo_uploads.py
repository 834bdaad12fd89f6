"""Every way a photo comes in (the API's multipart posts, the staff's and the members' pages) stores it re-encoded:
no EXIF position, nothing appended, upright; a file that is not an image is refused with its code, never a 500."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image
from rest_framework.test import APIClient

from apps.core.images import INVALID_IMAGE
from apps.wishes.models import Wish, WishStatus
from tests.web.test_staff_pages import wish_form_data
from tests.wishes.conftest import WishWorld

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
API = "/api/v1/wishes/"


def jpeg(*, exif=None, size=(40, 20)):
    """Left half red, right half blue; with `exif` if given."""
    image = Image.new("RGB", size, (20, 20, 220))
    image.paste((220, 20, 20), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def with_gps():
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 13.0, 45.5), 3: "E", 4: (121.0, 28.0, 12.25)})
    return jpeg(exif=exif)


def turned_sideways():
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: show the stored pixels turned 90° clockwise
    return jpeg(exif=exif)


def as_upload(data, name="IMG_0001.JPG"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def stored(field):
    with field.open("rb") as fh:
        data = fh.read()
    return data, Image.open(io.BytesIO(data))


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_wish_body(world, **extra):
    body = wish_form_data(world)
    body["community"] = world.community.pk
    body["form"] = body.pop("wish_form")
    body.pop("beneficiary")
    body.pop("residents_count")
    body["deadline"] = body["deadline"] + ":00+08:00"
    body.update(extra)
    return body


def test_api_wish_photo_with_gps_is_stored_without_exif(world):
    response = api_for(world.staff).post(API, api_wish_body(world, photo=as_upload(with_gps())), format="multipart")
    assert response.status_code == 201, response.json()
    data, image = stored(Wish.objects.get(pk=response.json()["id"]).photo)
    assert image.format == "JPEG" and image.size == (40, 20)
    assert dict(image.getexif()) == {} and b"Exif" not in data


def test_staff_page_wish_photo_with_gps_and_html_is_stored_clean_and_upright(world):
    photo = as_upload(with_gps() + HTML)
    response = browser_for(world.staff).post(reverse("staff:wish-new"), wish_form_data(world, photo=photo))
    assert response.status_code == 302
    data, image = stored(Wish.objects.get().photo)
    assert b"Exif" not in data and b"<script" not in data
    assert image.size == (40, 20)


def test_staff_page_sideways_photo_is_stored_upright(world):
    browser_for(world.staff).post(reverse("staff:wish-new"), wish_form_data(world, photo=as_upload(turned_sideways())))
    _, image = stored(Wish.objects.get().photo)
    assert image.size == (20, 40)
    top, bottom = image.convert("RGB").getpixel((10, 2)), image.convert("RGB").getpixel((10, 37))
    assert top[0] > 180 > top[2] and bottom[2] > 180 > bottom[0]  # red on top, blue below


def test_member_page_fulfilment_photo_with_html_appended_is_stored_without_it(world):
    wish = WishWorld(world).claimed()
    response = browser_for(world.member.user).post(
        reverse("member:wish_fulfil", args=[wish.pk]),
        {"note": "米和油已送到老人家中。", "photo": as_upload(with_gps() + HTML)},
    )
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED
    data, image = stored(wish.fulfil_photo)
    assert b"<html" not in data and b"Exif" not in data
    assert wish.fulfil_photo.name.endswith(".jpg") and "IMG_0001" not in wish.fulfil_photo.name


def test_api_fulfilment_photo_is_stored_upright(world):
    wish = WishWorld(world).claimed()
    response = api_for(world.member.user).post(
        f"{API}{wish.pk}/fulfil/", {"note": "书包已送到", "photo": as_upload(turned_sideways())}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    wish.refresh_from_db()
    assert stored(wish.fulfil_photo)[1].size == (20, 40)


def test_api_refuses_a_non_image_with_its_code_and_writes_nothing(world):
    photo = as_upload(HTML, name="photo.jpg")
    response = api_for(world.staff).post(API, api_wish_body(world, photo=photo), format="multipart")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_image"
    with translation.override(settings.LANGUAGE_CODE):  # the site's language, as the request had no other
        assert response.json()["detail"] == str(INVALID_IMAGE)
    assert not Wish.objects.exists()


def test_member_page_refuses_a_non_image_with_a_message_and_keeps_the_claim(world):
    wish = WishWorld(world).claimed()
    response = browser_for(world.member.user).post(
        reverse("member:wish_fulfil", args=[wish.pk]),
        {"note": "已送到", "photo": as_upload(b"%PDF-1.4 not a photo", name="photo.jpg")},
        follow=True,
    )
    assert response.status_code == 200
    assert "invalid_image" in response.content.decode()
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED and not wish.fulfil_photo


def test_staff_page_refuses_a_non_image_on_the_form(world):
    data = wish_form_data(world, photo=as_upload(HTML, name="photo.png"))
    response = browser_for(world.staff).post(reverse("staff:wish-new"), data)
    assert response.status_code == 200
    assert "invalid_image" in response.content.decode()
    assert not Wish.objects.exists()
