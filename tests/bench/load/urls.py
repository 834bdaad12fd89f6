"""URL configuration of the load benchmark: the whole site, plus a bare endpoint that only answers "ok".

The bare endpoint goes through the same middleware as the API but reads nothing: what is left of a request's time
there is the framework and the server (the floor the API is compared with). The signed-in variant also reads the
session and its user (two queries), as every API request does before any of its own work.

Uploaded photos are served from MEDIA_ROOT under /media/, standing in for the nginx location that serves them in
production (deploy/nginx/dual-reporting.conf), so that a test can read a photo back through any one of several app
servers sharing a media directory (tests/scale/test_two_app_servers.py).
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import path, re_path
from django.views.static import serve

from server.urls import handler403, handler404  # noqa: F401
from server.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def bare_signed_in(request):
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous", content_type="text/plain")


urlpatterns = [
    path("bench/ok/", bare, name="bench-ok"),
    path("bench/ok-signed-in/", bare_signed_in, name="bench-ok-signed-in"),
    re_path(r"^media/(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT}, name="bench-media"),
    *site_urlpatterns,
]
