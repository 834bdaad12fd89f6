"""Fixtures of the residents' requests tests: the shared world with addresses the offline geocoder places in it, a
helper that sends a code and submits as a resident would, and a request factory for setting up."""

import re
import secrets
from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from apps.places.models import GazetteerKind
from apps.residents import services
from apps.residents.models import ResidentRequest
from tests import factories as f
from tests.wishes.conftest import image_bytes, upload  # noqa: F401  (re-exported for the tests)

RESIDENT_PHONE = "13712345678"
RESIDENT_NAME = "王秀英"
# Named places the gazetteer geocoder finds: one in each community of the world, one far outside every community.
COMPOUND_A, COMPOUND_B, COMPOUND_FAR = "幸福家园", "彩虹苑", "远方山庄"
ADDRESS_A = f"{COMPOUND_A}3栋2单元101室"
ADDRESS_B = f"{COMPOUND_B}1栋1单元202室"
ADDRESS_FAR = f"{COMPOUND_FAR}8栋"
NEED = "家里的灯坏了，老人够不着，想请人帮忙换个灯泡。"
IP = "203.0.113.9"


def code_in(text):
    return re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)


class ResidentRequestFactory(factory.django.DjangoModelFactory):
    """A request written directly in the given state (for setting up; the transitions go through the services)."""

    class Meta:
        model = ResidentRequest

    grid = factory.SubFactory(f.GridFactory)
    community = factory.SelfAttribute("grid.community")
    name = RESIDENT_NAME
    phone = RESIDENT_PHONE
    address = ADDRESS_A
    address_key = ADDRESS_A
    need = NEED
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(services.TOKEN_BYTES))


@pytest.fixture(autouse=True)
def _codes_without_gaps(settings):
    """Many codes to one number in one test: no resend gap and no hourly limit (tests/accounts tries those)."""
    settings.OTP_RESEND_SECONDS = 0
    settings.OTP_MAX_PER_NUMBER_PER_HOUR = 0
    settings.OTP_MAX_PER_ADDRESS_PER_HOUR = 0
    settings.SITE_URL = "https://dr.example.org"


class ResidentWorld:
    def __init__(self, world):
        self.world = world
        f.GazetteerEntryFactory(
            name=COMPOUND_A,
            kind=GazetteerKind.COMPOUND,
            community=world.community,
            latitude=f.CITY_LAT,
            longitude=f.CITY_LNG,
        )
        f.GazetteerEntryFactory(
            name=COMPOUND_B,
            kind=GazetteerKind.COMPOUND,
            community=world.other_community,
            latitude=f.CITY_LAT,
            longitude=f.CITY_LNG,
        )
        # A named place far from every grid, in no community.
        f.GazetteerEntryFactory(name=COMPOUND_FAR, kind=GazetteerKind.COMPOUND, latitude=35.0, longitude=100.0)

    def __getattr__(self, name):
        return getattr(self.world, name)

    def request(self, **kwargs):
        kwargs.setdefault("grid", self.world.grid)
        return ResidentRequestFactory(**kwargs)


@pytest.fixture
def rw(world):
    return ResidentWorld(world)


@pytest.fixture
def send_code(django_capture_on_commit_callbacks, sms_outbox):
    """Step 1 as the page runs it: the code texted to `phone` (the text goes out on commit)."""

    def send(phone=RESIDENT_PHONE):
        before = len(sms_outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.resident_request_code_send(phone=phone, ip=IP)
        return code_in(sms_outbox[before:][-1][1])

    return send


@pytest.fixture
def submit(send_code, django_capture_on_commit_callbacks):
    """Step 2 with a fresh code (unless `code=` is given): the request, its tracking text sent on commit."""

    def submit(*, phone=RESIDENT_PHONE, code=None, **fields):
        code = send_code(phone) if code is None else code
        data = {"name": RESIDENT_NAME, "address": ADDRESS_A, "need": NEED, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return services.resident_request_submit(phone=phone, code=code, **data)

    return submit


def future(days=10):
    return timezone.now() + timedelta(days=days)
