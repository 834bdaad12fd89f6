"""Errors of users, roles and one-time codes."""

import math

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Invalid

INVALID_PHONE = _("Enter a valid 11-digit mainland mobile number.")
PHONE_TAKEN = _("This mobile number is already registered.")
ROLE_SCOPE_MISSING = _("This role needs the place or organization it applies to.")
NAME_REQUIRED = _("A name is required.")
LOGIN_FAILED = _("The mobile number or password is incorrect.")
APPOINT_REFUSED = _("You may not appoint this role for that place or organization.")
CODE_INVALID = _("The one-time code is incorrect.")
CODE_EXPIRED = _("The one-time code has expired. Request a new one.")
CODE_USED = _("This one-time code has already been used. Request a new one.")
CODE_ATTEMPTS_EXCEEDED = _("Too many wrong tries for this one-time code. Request a new one.")
CODE_RATE_LIMITED_SECONDS = _("Too many one-time codes requested. Try again in %(seconds)s seconds.")
CODE_RATE_LIMITED_MINUTES = _("Too many one-time codes requested. Try again in %(minutes)s minutes.")


def invalid_phone():
    return Invalid("invalid_phone", INVALID_PHONE)


def phone_taken():
    return Conflict("phone_taken", PHONE_TAKEN)


def role_scope_missing():
    return Invalid("role_scope_missing", ROLE_SCOPE_MISSING)


def code_invalid():
    return Invalid("code_invalid", CODE_INVALID)


def code_expired():
    return Invalid("code_expired", CODE_EXPIRED)


def code_used():
    return Conflict("code_used", CODE_USED)


def code_attempts_exceeded():
    return Conflict("code_attempts_exceeded", CODE_ATTEMPTS_EXCEEDED)


def code_rate_limited(retry_after):
    """`retry_after`: whole seconds until a code may be requested again (also in the API's body)."""
    if retry_after < 120:
        message = CODE_RATE_LIMITED_SECONDS % {"seconds": retry_after}
    else:
        message = CODE_RATE_LIMITED_MINUTES % {"minutes": math.ceil(retry_after / 60)}
    return Conflict("code_rate_limited", message, extra={"retry_after": retry_after})
