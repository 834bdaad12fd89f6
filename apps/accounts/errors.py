"""Errors of users and roles."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Invalid

INVALID_PHONE = _("Enter a valid 11-digit mainland mobile number.")
PHONE_TAKEN = _("This mobile number is already registered.")
ROLE_SCOPE_MISSING = _("This role needs the place or organization it applies to.")
NAME_REQUIRED = _("A name is required.")
LOGIN_FAILED = _("The mobile number or password is incorrect.")


def invalid_phone():
    return Invalid("invalid_phone", INVALID_PHONE)


def phone_taken():
    return Conflict("phone_taken", PHONE_TAKEN)


def role_scope_missing():
    return Invalid("role_scope_missing", ROLE_SCOPE_MISSING)
