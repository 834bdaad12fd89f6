"""One-time codes by text message: send one to a mobile number (code_send), prove it to set a password or to
confirm a resident's request (code_verify)."""

import ipaddress
import logging
import math
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from apps.accounts import errors, sms
from apps.accounts.models import CodePurpose, OneTimeCode, User
from apps.accounts.services import normalize_phone
from apps.core.errors import Invalid
from apps.core.masking import mask_phone
from apps.ledger.services import audit_log

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TEXT = _("Dual Reporting: your one-time code is %(code)s, valid for %(minutes)s minutes. Never share it.")
CODE_SENT = _("A one-time code has been sent to %(phone)s by text message. It is valid for %(minutes)s minutes.")
_HASH_SALT = "apps.accounts.codes.OneTimeCode"
# Who set their password with a code is signed in as if they had typed it, by the password backend: django-axes's
# backend, first in AUTHENTICATION_BACKENDS, only guards authenticate() and cannot load a session's user (the second,
# Django's ModelBackend taking the user read with the session, apps/accounts/sessions.py).
LOGIN_BACKEND = "apps.accounts.sessions.SessionUserBackend"


def _code_hash(phone, purpose, code):
    """The code under an HMAC keyed with SECRET_KEY and bound to its number and purpose.

    Keyed, because a million possible codes fall to any plain hash: a copy of the table alone reveals none.
    """
    return salted_hmac(_HASH_SALT, f"{purpose}:{phone}:{code}", algorithm="sha256").hexdigest()


def _has_active_account(phone):
    return User.objects.filter(phone=phone, is_active=True).exists()


# Purposes whose code only goes to a number that passes the check; a purpose not listed (a resident's request, say)
# sends to any number.
_RECIPIENT_CHECKS = {CodePurpose.SET_PASSWORD: _has_active_account}


def code_sent_message(phone):
    """What the requester is told after code_send, whether or not a text went out (no account enumeration)."""
    return CODE_SENT % {"phone": mask_phone(phone), "minutes": settings.OTP_TTL_MINUTES}


def _client_ip(ip):
    """`ip` if it is an address, else None: a misconfigured proxy can pass anything, and PostgreSQL would refuse it."""
    try:
        return str(ipaddress.ip_address(str(ip).strip())) if ip else None
    except ValueError:
        return None


def _retry_after(phone, ip, now):
    """Seconds until a code may be sent to `phone` at the request of `ip`; 0 when one may be sent now.

    An hourly limit of 0 is no limit (the resend gap still applies).
    """
    hour_ago = now - timedelta(hours=1)
    per_number = settings.OTP_MAX_PER_NUMBER_PER_HOUR
    to_number = list(
        OneTimeCode.objects.filter(phone=phone, created_at__gt=hour_ago)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: max(per_number, 1)]
    )
    free_at = [now]
    if to_number:
        free_at.append(to_number[0] + timedelta(seconds=settings.OTP_RESEND_SECONDS))
        if 0 < per_number <= len(to_number):
            # The window holds `per_number` codes until the oldest of the newest `per_number` leaves it.
            free_at.append(to_number[per_number - 1] + timedelta(hours=1))
    per_address = settings.OTP_MAX_PER_ADDRESS_PER_HOUR
    if ip and per_address > 0:
        from_address = list(
            OneTimeCode.objects.filter(ip=ip, created_at__gt=hour_ago)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:per_address]
        )
        if len(from_address) >= per_address:
            free_at.append(from_address[per_address - 1] + timedelta(hours=1))
    return math.ceil((max(free_at) - now).total_seconds())


def _deliver(phone, text):
    """on_commit callback: hand the text to the SMS backend.

    After the commit nothing may escape, so a failure is logged and the requester asks again after the resend gap.
    The log line names the exception's class only: a provider's message could quote the text, which holds the code.
    """
    try:
        sms.send_sms(phone, text)
    except Exception as exc:
        logger.error("Sending a one-time code to %s failed (%s)", mask_phone(phone), type(exc).__name__)


@transaction.atomic
def code_send(*, phone, purpose, ip):
    """Send a fresh one-time code for `purpose` to `phone` by text message, after the commit.

    Refused with code_rate_limited (and `retry_after` seconds) within OTP_RESEND_SECONDS of the number's last code,
    or when the number (OTP_MAX_PER_NUMBER_PER_HOUR) or the client address `ip` (OTP_MAX_PER_ADDRESS_PER_HOUR) had
    its share of codes in the past hour. Only a keyed hash of the code is stored. A number the purpose does not
    serve (set_password: no active account) gets a row, so that the limits count it, but no text; the caller
    cannot tell the difference.
    """
    phone = normalize_phone(phone)
    purpose = CodePurpose(purpose)
    ip = _client_ip(ip)
    now = timezone.now()
    # Sends to one number queue behind its newest row, and the limits are counted afterwards in new statements that
    # see what the transaction waited for wrote (PostgreSQL; SQLite's IMMEDIATE transactions are serial anyway).
    # The very first request for a number has no row to wait for: two at once may both go out, never more.
    list(OneTimeCode.objects.select_for_update().filter(phone=phone).order_by("-created_at").values("pk")[:1])
    retry_after = _retry_after(phone, ip, now)
    if retry_after > 0:
        logger.info("One-time code for %s refused: rate limit (%ss)", mask_phone(phone), retry_after)
        raise errors.code_rate_limited(retry_after)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    OneTimeCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_code_hash(phone, purpose, code),
        ip=ip,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.OTP_TTL_MINUTES),
    )
    check = _RECIPIENT_CHECKS.get(purpose)
    if check is not None and not check(phone):
        logger.info("One-time code for %s (%s) not sent: no account", mask_phone(phone), purpose)
        return
    # Worded now, in the requester's language; sent after the commit, so a rolled-back request sends nothing.
    text = str(CODE_TEXT % {"code": code, "minutes": settings.OTP_TTL_MINUTES})
    transaction.on_commit(partial(_deliver, phone, text))
    logger.info("One-time code for %s (%s) sent", mask_phone(phone), purpose)


def password_set_with_code(*, phone, code, password, ip):
    """Set the password of the active account of `phone`, proven by the newest one-time code sent to it; the user.

    The code must be the number's newest set_password code, unused (code_used), unexpired (code_expired) and with
    fewer than OTP_MAX_ATTEMPTS wrong tries (code_attempts_exceeded); a wrong code (code_invalid) counts a try. The
    password passes Django's validators (weak_password) before anything changes. Audited as "password_set", without
    the code or the password.

    One transaction, like every service, but the decorator cannot be used: a wrong try must stay counted although
    the call fails, so the transaction commits the count and the error is raised after it.
    """
    phone, ip = normalize_phone(phone), _client_ip(ip)
    with transaction.atomic():
        user, wrong_try = _password_set(phone=phone, code="".join(str(code or "").split()), password=password)
    if wrong_try is not None:
        logger.info("Wrong one-time code for %s from %s", mask_phone(phone), ip)
        raise wrong_try
    logger.info("Password of %s set with a one-time code from %s", mask_phone(phone), ip)
    return user


def _newest_code(phone, purpose, now):
    """The number's newest code row for `purpose`, locked, if it may still be tried; raises code_invalid (none sent),
    code_used, code_attempts_exceeded or code_expired."""
    # Locked (PostgreSQL): tries on one code queue, so no two of them read the same count of wrong tries.
    row = (
        OneTimeCode.objects.select_for_update()
        .filter(phone=phone, purpose=purpose)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None:
        raise errors.code_invalid()
    if row.used_at is not None:
        raise errors.code_used()
    if row.attempts >= settings.OTP_MAX_ATTEMPTS:
        raise errors.code_attempts_exceeded()
    if row.expires_at <= now:
        raise errors.code_expired()
    return row


def _wrong_try(row):
    """Count a wrong try on `row`; the error to raise once the count is committed."""
    OneTimeCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    last = row.attempts + 1 >= settings.OTP_MAX_ATTEMPTS
    return errors.code_attempts_exceeded() if last else errors.code_invalid()


def _use(row, now):
    """Single use even where the row lock does not exist: of two requests with the same code, one wins here."""
    if not OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise errors.code_used()


def code_verify(*, phone, purpose, code, now=None):
    """Check `code` against the newest code of `purpose` sent to `phone`, inside the caller's transaction.

    Returns None when it is right: the code is marked used, and stays unused if the caller's transaction rolls back
    (a later refusal of the caller's own). Returns the error of a wrong try (code_invalid, or code_attempts_exceeded
    for the last one), whose count the caller must commit before raising it, as password_set_with_code does. Raises
    code_invalid (no code sent), code_used, code_attempts_exceeded or code_expired when nothing was counted.
    """
    phone, purpose = normalize_phone(phone), CodePurpose(purpose)
    now = now or timezone.now()
    row = _newest_code(phone, purpose, now)
    if not constant_time_compare(row.code_hash, _code_hash(phone, purpose, "".join(str(code or "").split()))):
        return _wrong_try(row)
    _use(row, now)
    return None


def _password_set(*, phone, code, password):
    """(user, None) when the password was set, (None, error) for a wrong try (counted); raises when nothing changed."""
    purpose = CodePurpose.SET_PASSWORD
    now = timezone.now()
    row = _newest_code(phone, purpose, now)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None or not constant_time_compare(row.code_hash, _code_hash(phone, purpose, code)):
        return None, _wrong_try(row)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid("weak_password", " ".join(exc.messages)) from exc
    _use(row, now)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_log(actor=user, subject=user, action="password_set", reason="one-time code")
    return user, None


# How long a code's row outlives its sending: past the hourly limits, which count the rows of the last hour, and past
# the code's own lifetime.
CODES_KEPT = timedelta(days=1)


@transaction.atomic
def codes_prune(*, now=None):
    """Delete the one-time codes sent more than a day (or their lifetime, if longer) before `now`; returns how many.

    A row serves the code's check and the rate limits, nothing later: it holds no code, only its keyed hash.
    """
    now = now or timezone.now()
    kept = max(CODES_KEPT, timedelta(minutes=settings.OTP_TTL_MINUTES))
    deleted, _per_model = OneTimeCode.objects.filter(created_at__lt=now - kept).delete()
    return deleted
