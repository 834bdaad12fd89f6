"""Where uploaded files are kept (MEDIA_STORAGE): the local disk under MEDIA_ROOT, the default, or a private
S3-compatible bucket, which several app servers share (docs/deployment.md, "Several app servers").

Every upload goes through Django's storage API (a FileField's save, open, url and delete), so the choice is this
setting alone. In a bucket nothing is public: objects are written without an ACL of their own (they keep the
bucket's, which must stay private with public access blocked), and a page or an API answer links each photo with an
address signed for AWS_QUERYSTRING_EXPIRE seconds, as anyone with the link could see a photo on the disk's nginx
location (random names) but only for that long.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL = "local"
S3 = "s3"
S3_BACKEND = "storages.backends.s3.S3Storage"


def media_storage(env):
    """(the STORAGES "default" entry, the origins the pages load photos from besides their own) for the
    environment read by `env` (a django-environ Env)."""
    kind = env("MEDIA_STORAGE", default=LOCAL)
    if kind == LOCAL:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}, []
    if kind != S3:
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be {LOCAL!r} or {S3!r}, not {kind!r}.")
    bucket = env("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    options = {
        "bucket_name": bucket,
        # Empty: Amazon S3 itself; else the address of an S3-compatible service (MinIO, a cloud's object storage).
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env("AWS_S3_REGION_NAME", default="") or None,
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="") or None,
        # Empty: boto3 finds credentials itself (its environment variables, an instance or pod role).
        "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
        "signature_version": "s3v4",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
        # Import files keep their uploaded names: a second file of the same name gets a new one, as on the disk.
        "file_overwrite": False,
    }
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}, bucket_origins(options)


def bucket_origins(options):
    """The origins of the signed addresses the S3 storage with `options` gives (the pages' Content-Security-Policy
    must allow them for <img>): the bucket under the endpoint's host (path style, the default with an endpoint) or as
    its subdomain (virtual-hosted style, the default on Amazon S3)."""
    bucket, style = options["bucket_name"], options.get("addressing_style")
    endpoint = options.get("endpoint_url")
    if endpoint:
        parts = urlsplit(endpoint)
        host = parts.netloc
        return [f"{parts.scheme}://{bucket}.{host}" if style == "virtual" else f"{parts.scheme}://{host}"]
    region = options.get("region_name") or "us-east-1"
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    hosts = [f"s3.{suffix}", f"s3.{region}.{suffix}"]
    if style == "path":
        return [f"https://{host}" for host in hosts]
    return [f"https://{bucket}.{host}" for host in hosts]
