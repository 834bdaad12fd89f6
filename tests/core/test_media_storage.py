"""Where uploads are kept (server/settings/media.py): the local disk by default, or a private S3-compatible bucket
(MEDIA_STORAGE=s3). With S3 mocked in this process (moto), photos uploaded through the real API and services land in
the bucket, are read back from it by the services and served by signed, expiring addresses only: never public."""

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import environ
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from moto import mock_aws
from PIL import Image
from storages.backends.s3 import S3Storage

from apps.ledger.models import SelfService
from apps.residents import services as resident_services
from apps.wishes.models import Wish, WishCategory
from server.settings.media import bucket_origins, media_storage
from tests.conftest import client_for
from tests.residents.conftest import ADDRESS_A, NEED, RESIDENT_NAME, RESIDENT_PHONE, ResidentWorld, code_in
from tests.wishes.conftest import upload

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "sbd-media-test"
REGION = "cn-north-1"
MEDIA_VARIABLES = (
    "MEDIA_STORAGE",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_QUERYSTRING_EXPIRE",
)


def read_media_settings(monkeypatch, **variables):
    """media_storage() for exactly these environment variables."""
    for name in MEDIA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return media_storage(environ.Env())


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- the settings -------------------------------------------------------------------------------------------------


def test_the_local_disk_is_the_default(monkeypatch):
    storage, origins = read_media_settings(monkeypatch)
    assert storage == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert origins == []


@pytest.mark.parametrize(
    "variables",
    [{"MEDIA_STORAGE": "s3"}, {"MEDIA_STORAGE": "nfs", "AWS_STORAGE_BUCKET_NAME": BUCKET}],
    ids=["s3 without a bucket", "an unknown storage"],
)
def test_a_storage_that_cannot_work_stops_the_start(monkeypatch, variables):
    with pytest.raises(ImproperlyConfigured):
        read_media_settings(monkeypatch, **variables)


def test_s3_is_private_with_signed_addresses(monkeypatch):
    storage, _ = read_media_settings(
        monkeypatch, MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME=BUCKET, AWS_QUERYSTRING_EXPIRE="600"
    )
    options = storage["OPTIONS"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["default_acl"] is None  # objects keep the private bucket's ACL: nothing is made public-read
    assert (options["querystring_auth"], options["querystring_expire"]) == (True, 600)
    assert options["file_overwrite"] is False
    assert options["access_key"] is None and options["endpoint_url"] is None  # boto3's own lookup; Amazon S3


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"AWS_S3_REGION_NAME": "ap-east-1"},
        {"AWS_S3_REGION_NAME": "cn-north-1"},
        {"AWS_S3_REGION_NAME": "cn-northwest-1", "AWS_S3_ADDRESSING_STYLE": "path"},
        {"AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
        {"AWS_S3_ENDPOINT_URL": "https://minio.example.org:9000", "AWS_S3_ADDRESSING_STYLE": "path"},
        {
            "AWS_S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
            "AWS_S3_REGION_NAME": "oss-cn-hangzhou",
            "AWS_S3_ADDRESSING_STYLE": "virtual",
        },
    ],
    ids=["aws default", "aws region", "aws china", "aws china path style", "endpoint", "endpoint path", "virtual"],
)
def test_the_pages_may_show_the_signed_addresses_as_images(monkeypatch, variables):
    """The origins added to the Content-Security-Policy's img-src are those of the addresses boto3 signs."""
    storage, origins = read_media_settings(
        monkeypatch,
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
        **variables,
    )
    url = S3Storage(**storage["OPTIONS"]).url("residents/2026/12/a.jpg")  # signing needs no network
    assert origin(url) in origins
    assert origins == bucket_origins(storage["OPTIONS"])


def test_the_production_settings_use_the_bucket_and_let_the_pages_show_its_photos():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "server.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "sbd.example.org",
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
        "AWS_S3_ADDRESSING_STYLE": "virtual",
    }
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.STORAGES['default'], s.CONTENT_SECURITY_POLICY['DIRECTIVES']]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    storage, directives = json.loads(done.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == BUCKET
    assert directives["img-src"] == ["'self'", "data:", f"https://{BUCKET}.oss-cn-hangzhou.aliyuncs.com"]
    assert directives["script-src"] == ["'self'"] and directives["default-src"] == ["'self'"]


# --- uploads into a bucket (moto) ---------------------------------------------------------------------------------


@pytest.fixture
def bucket(settings, monkeypatch):
    """The production settings' S3 storage, on a private bucket of S3 mocked in this process; yields a boto3 client
    to look into the bucket directly."""
    storage, origins = read_media_settings(
        monkeypatch,
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    with mock_aws():
        client = boto3.client("s3", region_name=REGION, aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        settings.STORAGES = {**settings.STORAGES, "default": storage}
        client.origins = origins
        yield client


def stored(client, name):
    return client.get_object(Bucket=BUCKET, Key=name)["Body"].read()


def assert_private_and_signed(client, name, url):
    """The object `name` grants nothing to anyone but the bucket's owner; `url` is a signed, expiring address of it
    that the pages may show, and reads it; the same address unsigned is refused."""
    grants = client.get_object_acl(Bucket=BUCKET, Key=name)["Grants"]
    assert [g["Grantee"]["Type"] for g in grants] == ["CanonicalUser"]  # no AllUsers / AuthenticatedUsers grant
    assert origin(url) in client.origins
    assert urlsplit(url).path.endswith(name)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["3600"] and query["X-Amz-Signature"]
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and answer.content == stored(client, name)
    assert answer.headers["Content-Type"] in ("image/png", "image/jpeg")
    assert requests.get(url.split("?", 1)[0], timeout=10).status_code == 403


@pytest.mark.django_db
def test_a_members_photo_goes_to_the_bucket_and_reads_back_through_the_api(world, bucket):
    started = timezone.now() - timedelta(days=1)
    body = {
        "community": world.community.pk,
        "place": "幸福小区3栋",
        "category": "care_visit",
        "content": "入户走访",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(hours=1)).isoformat(),
        "photo": upload("PNG"),
    }
    created = client_for(world.member.user).post("/api/v1/service-records/register/", body, format="multipart")
    assert created.status_code == 201, created.content

    name = SelfService.objects.get().photo.name
    assert name.startswith("services/") and name.endswith(".png")
    [listed] = bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert listed["Key"] == name
    with Image.open(io.BytesIO(stored(bucket, name))) as image:  # the re-encoded upload, not the bytes sent
        assert (image.format, image.size) == ("PNG", (8, 8))
    detail = client_for(world.staff).get(f"/api/v1/service-records/{created.json()['id']}/")
    assert_private_and_signed(bucket, name, detail.json()["self_service"]["photo"])


@pytest.mark.django_db
def test_a_residents_photo_stays_private_and_the_wish_made_from_it_gets_its_own_copy(
    world, bucket, client, sms_outbox, django_capture_on_commit_callbacks
):
    ResidentWorld(world)  # the gazetteer entries that place the resident's address in the community
    with django_capture_on_commit_callbacks(execute=True):
        resident_services.resident_request_code_send(phone=RESIDENT_PHONE, ip="203.0.113.9")
    code = code_in(sms_outbox[-1][1])
    with django_capture_on_commit_callbacks(execute=True):
        request = resident_services.resident_request_submit(
            phone=RESIDENT_PHONE, code=code, name=RESIDENT_NAME, address=ADDRESS_A, need=NEED, photo=upload("JPEG")
        )
    name = request.photo.name
    assert name.startswith("residents/") and bucket.head_object(Bucket=BUCKET, Key=name)

    staff = client_for(world.staff)
    api = staff.get(f"/api/v1/resident-requests/{request.pk}/")
    assert api.status_code == 200
    assert_private_and_signed(bucket, name, api.json()["photo"])

    client.force_login(world.staff)
    page = client.get(reverse("staff:resident-request", args=[request.pk]))
    assert page.status_code == 200
    [img] = [tag for tag in page.content.decode().split("<img ")[1:] if "wish-photo" in tag]
    assert_private_and_signed(bucket, name, img.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&"))

    # Accepting with the photo: the service reads the resident's photo back from the bucket (through the storage
    # API), re-encodes it and stores the wish's own copy there.
    accept = {
        "title": "帮老人换灯泡",
        "category": WishCategory.DAILY,
        "deadline": (timezone.now() + timedelta(days=10)).isoformat(),
        "use_photo": True,
    }
    accepted = staff.post(f"/api/v1/resident-requests/{request.pk}/accept/", accept, format="json")
    assert accepted.status_code == 200, accepted.content
    wish_id = accepted.json()["wish"]
    wish_name = Wish.objects.get(pk=wish_id).photo.name
    assert wish_name.startswith("wishes/") and wish_name != name
    assert default_storage.exists(wish_name)
    with Image.open(default_storage.open(wish_name)) as image:
        assert image.format == "JPEG"
    assert_private_and_signed(bucket, wish_name, staff.get(f"/api/v1/wishes/{wish_id}/").json()["photo"])
