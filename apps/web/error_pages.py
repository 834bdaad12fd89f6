"""The site's answers that serve both faces, JSON under /api/ and a page elsewhere: a bad request (handler400: a
request over the size limits gets a page saying so, 413) and a login locked by django-axes (429)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import defaults

from apps.accounts.lockout import LOCKED_CODE, locked_message
from apps.core.request_limits import REQUEST_TOO_LARGE, STATUS_CODE, request_too_large_message
from apps.web.forms import PhoneLoginForm


def bad_request(request, exception=None):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or too many files (raised while a middleware, such as
    the CSRF check, first reads the form): 413 with the message, as JSON under /api/ (where the API's exception
    handler answers the same for its own views) and as a page elsewhere. Any other bad request: Django's own 400."""
    message = request_too_large_message(exception)
    if message is None:
        return defaults.bad_request(request, exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": REQUEST_TOO_LARGE, "detail": message}, status=STATUS_CODE)
    context = {"message": message, "home_url": reverse("web:home")}
    return render(request, "web/413.html", context, status=STATUS_CODE)


def login_locked(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429 for everyone; the API gets the usual
    {"code", "detail"} body, a page gets the login page with the notice."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": LOCKED_CODE, "detail": locked_message()}, status=429)
    context = {"form": PhoneLoginForm(request), "locked_message": locked_message(), "locked_code": LOCKED_CODE}
    return render(request, "web/login.html", context, status=429)
