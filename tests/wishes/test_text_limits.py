"""A wish's free text: its maximum and the removal of direction controls, through the API, the pages and a service."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import Invalid
from apps.ledger.models import AuditEntry
from apps.wishes import services
from apps.wishes.models import Wish, WishCategory, WishClaim, WishForm, WishStatus
from tests.wishes.conftest import RESIDENT_NAME

pytestmark = pytest.mark.django_db

URL = "/api/v1/wishes/"
STORY_MAX = 2000
NOTE_MAX = 1000
RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"


def _body(w, **extra):
    body = {
        "community": w.community.pk,
        "grid": w.grid.pk,
        "title": "给困难学生买书包",
        "category": "study",
        "resident_name": RESIDENT_NAME,
        "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
    }
    body.update(extra)
    return body


def test_the_maxima_are_the_models():
    assert Wish._meta.get_field("story").max_length == STORY_MAX
    assert Wish._meta.get_field("fulfil_note").max_length == NOTE_MAX


# --- API --------------------------------------------------------------------------------------------------------


class TestApi:
    def test_an_over_long_story_is_400_with_the_field_named_and_nothing_written(self, w, make_client):
        audited = AuditEntry.objects.count()
        response = make_client(w.staff).post(URL, _body(w, story="长" * (STORY_MAX + 1)), format="json")
        assert response.status_code == 400
        data = response.json()
        assert data["code"] == "invalid_input" and list(data["fields"]) == ["story"]
        assert not Wish.objects.exists() and AuditEntry.objects.count() == audited

    def test_a_million_character_story_is_refused_too(self, w, make_client):
        response = make_client(w.staff).post(URL, _body(w, story="a" * 1_000_000), format="json")
        assert response.status_code == 400 and "story" in response.json()["fields"]
        assert not Wish.objects.exists()

    def test_a_story_of_exactly_the_maximum_is_accepted(self, w, make_client):
        story = "长" * STORY_MAX
        response = make_client(w.staff).post(URL, _body(w, story=story), format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["story"] == story and Wish.objects.get().story == story

    def test_the_maximum_counts_the_text_without_direction_controls(self, w, make_client):
        story = RLO + "长" * STORY_MAX + PDF
        response = make_client(w.staff).post(URL, _body(w, story=story), format="json")
        assert response.status_code == 201, response.json()
        assert Wish.objects.get().story == "长" * STORY_MAX

    def test_direction_controls_are_removed_from_every_text_of_a_wish(self, w, make_client):
        body = _body(
            w,
            title=f"{RLO}包书买生学难困给{PDF}",
            story=f"老人{LRI}行动不便{PDI}\u200f。",
            resident_name=f"张{RLO}三丰",
            resident_phone="\u200e13912345678",
            resident_address="幸福小区\u061c1栋",
        )
        response = make_client(w.staff).post(URL, body, format="multipart")
        assert response.status_code == 201, response.json()
        wish = Wish.objects.get()
        assert wish.title == "包书买生学难困给"  # stored as typed, but it can no longer display reversed
        assert wish.story == "老人行动不便。"
        resident = (wish.resident_name, wish.resident_phone, wish.resident_address)
        assert resident == ("张三丰", "13912345678", "幸福小区1栋")
        assert response.json()["title"] == wish.title

    def test_a_title_of_direction_controls_only_is_blank(self, w, make_client):
        response = make_client(w.staff).post(URL, _body(w, title=RLO + PDF), format="json")
        assert response.status_code == 400 and list(response.json()["fields"]) == ["title"]
        assert not Wish.objects.exists()

    def test_an_over_long_fulfilment_note_is_400_and_the_wish_stays_claimed(self, w, make_client):
        wish = w.claimed()
        client = make_client(w.member.user)
        response = client.post(f"{URL}{wish.pk}/fulfil/", {"note": "长" * (NOTE_MAX + 1)}, format="json")
        assert response.status_code == 400 and list(response.json()["fields"]) == ["note"]
        wish.refresh_from_db()
        assert wish.status == WishStatus.CLAIMED and wish.fulfil_note == ""
        response = client.post(f"{URL}{wish.pk}/fulfil/", {"note": "长" * NOTE_MAX}, format="json")
        assert response.status_code == 200 and response.json()["fulfil_note"] == "长" * NOTE_MAX

    def test_the_schema_gives_the_maximum(self, w, make_client):
        schema = make_client(w.staff).get("/api/schema/", {"format": "json"}).json()
        story = schema["components"]["schemas"]["WishCreateInputRequest"]["properties"]["story"]
        assert story["maxLength"] == STORY_MAX


# --- services (what the pages and imports call) ----------------------------------------------------------------


class TestServices:
    def _create(self, w, **extra):
        values = {
            "actor": w.staff,
            "grid": w.grid,
            "title": "给困难学生买书包",
            "category": WishCategory.STUDY,
            "resident_name": RESIDENT_NAME,
            "deadline": timezone.now() + timedelta(days=5),
        }
        values.update(extra)
        return services.wish_create(**values)

    def test_an_over_long_story_is_text_too_long_with_the_field(self, w):
        with pytest.raises(Invalid) as exc:
            self._create(w, story="长" * (STORY_MAX + 1))
        assert exc.value.code == "text_too_long" and exc.value.status_code == 422
        assert exc.value.extra == {"field": "story", "max_length": STORY_MAX}
        assert not Wish.objects.exists()
        assert self._create(w, story="长" * STORY_MAX).story == "长" * STORY_MAX

    def test_a_reason_is_cleaned_and_one_of_direction_controls_only_is_missing(self, w):
        wish = w.claimed()
        with pytest.raises(Invalid) as exc:
            services.wish_revoke(wish=wish, actor=w.staff, reason=f"{RLO}{PDF}\u200e ")
        assert exc.value.code == "reason_required"
        services.wish_revoke(wish=wish, actor=w.staff, reason=f"{RLO}认领人长期出差{PDF}")
        claim = WishClaim.objects.get(wish=wish)
        assert claim.release_reason == "认领人长期出差"
        assert AuditEntry.objects.filter(action="revoke").get().reason == "认领人长期出差"

    def test_an_over_long_note_is_refused_before_anything_changes(self, w):
        wish = w.claimed()
        with pytest.raises(Invalid) as exc:
            services.wish_fulfil(wish=wish, actor=w.member.user, note="长" * (NOTE_MAX + 1))
        assert exc.value.code == "text_too_long" and exc.value.extra["field"] == "note"
        wish.refresh_from_db()
        assert wish.status == WishStatus.CLAIMED
        assert WishClaim.objects.get(wish=wish).status == "active"


# --- pages ------------------------------------------------------------------------------------------------------


def _browser(user):
    client = Client()
    client.force_login(user)
    return client


def _form_data(w, **overrides):
    deadline = timezone.localtime(timezone.now() + timedelta(days=14))
    data = {
        "grid": w.grid.pk,
        "title": "为独居老人代购生活用品",
        "story": "王奶奶腿脚不便，需要每周代购米面油。",
        "category": WishCategory.ELDERLY,
        "wish_form": WishForm.MATERIAL,
        "beneficiary": "individual",
        "residents_count": 1,
        "estimated_value": "80.00",
        "resident_name": "王秀英",
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return data


class TestStaffWishPage:
    def test_an_over_long_story_shows_the_message_and_writes_nothing(self, w):
        response = _browser(w.staff).post(reverse("staff:wish-new"), _form_data(w, story="长" * (STORY_MAX + 1)))
        assert response.status_code == 200
        errors = response.context["form"].errors.as_data()
        assert list(errors) == ["story"] and errors["story"][0].code == "max_length"
        assert errors["story"][0].messages[0] in response.content.decode()  # shown on the page, in its language
        assert not Wish.objects.exists()

    def test_a_story_of_exactly_the_maximum_is_posted(self, w):
        response = _browser(w.staff).post(reverse("staff:wish-new"), _form_data(w, story="长" * STORY_MAX))
        assert response.status_code == 302
        assert Wish.objects.get().story == "长" * STORY_MAX

    def test_the_textarea_carries_the_maximum(self, w):
        page = _browser(w.staff).get(reverse("staff:wish-new")).content.decode()
        assert f'maxlength="{STORY_MAX}"' in page

    def test_direction_controls_are_removed(self, w):
        data = _form_data(w, title=f"{RLO}为独居老人代购{PDF}", story=f"王奶奶{LRI}腿脚不便{PDI}")
        response = _browser(w.staff).post(reverse("staff:wish-new"), data)
        assert response.status_code == 302
        wish = Wish.objects.get()
        assert (wish.title, wish.story) == ("为独居老人代购", "王奶奶腿脚不便")


class TestMemberWishPage:
    def test_an_over_long_fulfilment_note_shows_the_services_error(self, w):
        wish = w.claimed()
        url = reverse("member:wish_fulfil", args=[wish.pk])
        response = _browser(w.member.user).post(url, {"note": "长" * (NOTE_MAX + 1)}, follow=True)
        assert 'data-error-code="text_too_long"' in response.content.decode()
        assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED

    def test_the_note_is_stored_without_direction_controls(self, w):
        wish = w.claimed()
        url = reverse("member:wish_fulfil", args=[wish.pk])
        _browser(w.member.user).post(url, {"note": f"{RLO}米和油已送到{PDF}"})
        wish.refresh_from_db()
        assert wish.status == WishStatus.FULFILLED and wish.fulfil_note == "米和油已送到"
