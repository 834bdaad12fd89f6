"""The one place where domain and framework errors become HTTP responses: {"code": ..., "detail": ...}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps.core.errors import DomainError
from apps.core.request_limits import REQUEST_TOO_LARGE, request_too_large_message
from apps.core.request_limits import STATUS_CODE as REQUEST_TOO_LARGE_STATUS

# Stable codes for the framework's own errors, whatever language the message is in.
_FRAMEWORK_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
}


def domain_exception_handler(exc, context):
    too_large = request_too_large_message(exc)
    if too_large is not None:
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or files: raised by Django when the body is first
        # read (authentication's CSRF check or request.data), before anything is written.
        set_rollback()
        return Response({"code": REQUEST_TOO_LARGE, "detail": too_large}, status=REQUEST_TOO_LARGE_STATUS)
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": str(exc.message), **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid_input", "detail": _("The input is invalid."), "fields": exc.detail}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code = next((c for cls, c in _FRAMEWORK_CODES.items() if isinstance(exc, cls)), "error")
    response.data = {"code": code, "detail": str(getattr(exc, "detail", exc))}
    return response
