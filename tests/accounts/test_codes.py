"""One-time codes: sending (only a hash kept, rate limits, no account enumeration) and setting a password with one."""

import json
import logging
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.translation import override

from apps.accounts import codes, sms
from apps.accounts.models import CodePurpose, OneTimeCode, User
from apps.core.errors import Conflict, DomainError, Invalid
from apps.ledger.models import AuditEntry
from tests import factories as f

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
IP = "203.0.113.5"
NEW_PASSWORD = "Brand-new-pass-42"


def code_in(text):
    return re.search(r"(?<!\d)\d{6}(?!\d)", text).group(0)


@pytest.fixture
def user():
    """An imported person: an account without a usable password."""
    user = f.UserFactory(phone=PHONE)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def clock(monkeypatch):
    """timezone.now frozen at the real now; `clock.advance(minutes=...)` moves it on."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta):
            self.now += timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def send(django_capture_on_commit_callbacks, sms_outbox):
    """code_send as a request runs it (the text goes out when the transaction commits): the code texted, or None."""

    def send(phone=PHONE, ip=IP):
        before = len(sms_outbox)
        with django_capture_on_commit_callbacks(execute=True):
            codes.code_send(phone=phone, purpose=CodePurpose.SET_PASSWORD, ip=ip)
        texts = sms_outbox[before:]
        return code_in(texts[-1][1]) if texts else None

    return send


def set_password(code, password=NEW_PASSWORD, phone=PHONE):
    return codes.password_set_with_code(phone=phone, code=code, password=password, ip=IP)


def refused(call, *args, **kwargs):
    with pytest.raises(DomainError) as exc:
        call(*args, **kwargs)
    return exc.value


# --- sending ----------------------------------------------------------------------------------------------------


def test_sending_texts_a_six_digit_code_and_stores_only_its_hash(user, send, sms_outbox, clock):
    code = send(phone="+86 139-1234-5678")

    assert [phone for phone, _ in sms_outbox] == [PHONE]
    assert re.fullmatch(r"\d{6}", code)
    row = OneTimeCode.objects.get()
    assert (row.phone, row.purpose, row.ip, row.attempts, row.used_at) == (PHONE, "set_password", IP, 0, None)
    assert code not in row.code_hash
    assert row.created_at == clock.now
    assert row.expires_at == clock.now + timedelta(minutes=10)


def test_the_text_goes_out_only_when_the_transaction_commits(user, django_capture_on_commit_callbacks, sms_outbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        codes.code_send(phone=PHONE, purpose=CodePurpose.SET_PASSWORD, ip=IP)
    assert sms_outbox == []
    assert len(callbacks) == 1


@pytest.mark.parametrize("who", ["nobody", "inactive"])
def test_a_number_without_an_active_account_gets_no_text_but_the_same_answer(who, send, sms_outbox):
    if who == "inactive":
        f.UserFactory(phone=PHONE, is_active=False)

    assert send() is None
    assert sms_outbox == []
    assert OneTimeCode.objects.filter(phone=PHONE).count() == 1  # counted by the rate limits like any other


def test_a_malformed_number_is_refused_and_nothing_is_recorded(send):
    error = refused(send, phone="12345")
    assert isinstance(error, Invalid) and error.code == "invalid_phone"
    assert not OneTimeCode.objects.exists()


def test_a_second_code_within_the_resend_gap_is_refused_with_the_wait(user, send, sms_outbox, clock, settings):
    settings.OTP_RESEND_SECONDS = 60
    send()
    clock.advance(seconds=20)

    error = refused(send)
    assert isinstance(error, Conflict)
    assert error.code == "code_rate_limited"
    assert error.extra == {"retry_after": 40}
    assert len(sms_outbox) == 1

    clock.advance(seconds=40)
    assert send() is not None


def test_a_number_gets_at_most_the_hourly_number_of_codes(user, send, sms_outbox, clock, settings):
    settings.OTP_MAX_PER_NUMBER_PER_HOUR = 3
    for n in range(3):
        send(ip=f"203.0.113.{n}")  # from different addresses: only the number's limit is at stake
        clock.advance(minutes=5)

    error = refused(send, ip="203.0.113.9")
    assert error.code == "code_rate_limited"
    assert error.extra["retry_after"] == 45 * 60  # the first of the three leaves the hour 45 minutes from now
    clock.advance(minutes=45)
    assert send(ip="203.0.113.9") is not None
    assert len(sms_outbox) == 4


def test_one_address_gets_at_most_the_hourly_number_of_codes(send, clock, settings):
    settings.OTP_MAX_PER_ADDRESS_PER_HOUR = 2
    f.UserFactory(phone="13900000001")
    send(phone="13900000001")
    send(phone="13900000002")  # no account: counts all the same

    error = refused(send, phone="13900000003")
    assert error.code == "code_rate_limited"
    assert error.extra["retry_after"] == 3600
    assert send(phone="13900000003", ip="198.51.100.7") is None  # another address may still ask
    assert OneTimeCode.objects.filter(ip=IP).count() == 2


def test_an_hourly_limit_of_zero_is_no_limit(user, send, clock, settings):
    settings.OTP_MAX_PER_NUMBER_PER_HOUR = 0
    settings.OTP_MAX_PER_ADDRESS_PER_HOUR = 0
    settings.OTP_RESEND_SECONDS = 1
    for _ in range(30):
        assert send() is not None
        clock.advance(seconds=1)


def test_the_rate_limit_message_says_when_to_try_again(user, send, clock, settings):
    send()
    clock.advance(seconds=20)
    with override("en"):
        assert "Try again in 40 seconds." in str(refused(send).message)
        settings.OTP_MAX_PER_NUMBER_PER_HOUR = 1
        assert "Try again in 60 minutes." in str(refused(send).message)


# --- setting the password ---------------------------------------------------------------------------------------


def test_the_right_code_sets_the_password_uses_the_code_and_is_audited(user, send):
    code = send()

    returned = set_password(code)

    assert returned == user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert OneTimeCode.objects.get().used_at is not None
    entry = AuditEntry.objects.get(action="password_set")
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (user.pk, "accounts.user", user.pk)
    assert entry.reason == "one-time code"
    written = json.dumps([entry.before, entry.after, entry.reason])
    assert code not in written and NEW_PASSWORD not in written


def test_a_code_works_once(user, send):
    code = send()
    set_password(code)

    error = refused(set_password, code, password="Another-pass-77")
    assert error.code == "code_used"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="password_set").count() == 1


def test_an_expired_code_is_refused_and_changes_nothing(user, send, clock):
    code = send()
    clock.advance(minutes=10)

    error = refused(set_password, code)
    assert isinstance(error, Invalid) and error.code == "code_expired"
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert OneTimeCode.objects.get().used_at is None


def test_a_code_still_works_just_before_it_expires(user, send, clock):
    code = send()
    clock.advance(minutes=9, seconds=59)
    assert set_password(code) == user


def test_a_wrong_code_counts_a_try_and_the_last_try_kills_the_code(user, send, settings):
    settings.OTP_MAX_ATTEMPTS = 3
    code = send()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    assert refused(set_password, wrong).code == "code_invalid"
    assert OneTimeCode.objects.get().attempts == 1  # kept although the call failed
    assert refused(set_password, wrong).code == "code_invalid"
    assert refused(set_password, wrong).code == "code_attempts_exceeded"
    assert refused(set_password, code).code == "code_attempts_exceeded"  # even the right one, now
    assert OneTimeCode.objects.get().attempts == 3
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_only_the_newest_code_counts(user, send, clock):
    first = send()
    clock.advance(seconds=61)
    second = send()
    if first == second:  # one chance in a million
        pytest.skip("the two random codes happen to be equal")

    assert refused(set_password, first).code == "code_invalid"
    assert set_password(second) == user


def test_a_number_that_never_asked_for_a_code_is_told_the_code_is_wrong(user):
    assert refused(set_password, "123456").code == "code_invalid"
    assert not OneTimeCode.objects.exists()


def test_a_number_without_an_account_cannot_set_a_password_with_any_code(send):
    send(phone="13900000002")
    assert refused(set_password, "123456", phone="13900000002").code == "code_invalid"
    assert not User.objects.filter(phone="13900000002").exists()


def test_a_weak_password_is_refused_and_changes_nothing(user, send):
    code = send()

    error = refused(set_password, code, password="12345678")

    assert isinstance(error, Invalid) and error.code == "weak_password"
    user.refresh_from_db()
    assert not user.has_usable_password()
    row = OneTimeCode.objects.get()
    assert (row.used_at, row.attempts) == (None, 0)
    assert not AuditEntry.objects.filter(action="password_set").exists()
    assert set_password(code) == user  # the code still works with a better password


def test_no_log_line_holds_the_code_the_password_or_the_full_number(user, send, caplog):
    caplog.set_level(logging.DEBUG)
    code = send()
    refused(set_password, f"{(int(code) + 1) % 10**6:06d}")
    set_password(code)

    lines = [record.getMessage() for record in caplog.records]
    assert any("139****5678" in line for line in lines)
    assert not [line for line in lines if code in line or NEW_PASSWORD in line or PHONE in line]


def test_a_failing_sms_backend_is_logged_without_the_text(user, settings, caplog, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.accounts.test_codes.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        codes.code_send(phone=PHONE, purpose=CodePurpose.SET_PASSWORD, ip=IP)

    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failures] == ["Sending a one-time code to 139****5678 failed (RuntimeError)"]
    assert OneTimeCode.objects.count() == 1  # the request itself succeeded: the code is recorded


class FailingBackend(sms.BaseBackend):
    def send_messages(self, messages):
        raise RuntimeError(f"provider refused {messages}")


def test_the_console_backend_prints_number_and_text(capsys):
    assert sms.send_sms(PHONE, "hello", backend="apps.accounts.sms.ConsoleBackend") == 1
    assert capsys.readouterr().out == f"SMS to {PHONE}: hello\n"


@pytest.mark.django_db(transaction=True)
def test_two_parallel_uses_of_one_code_have_exactly_one_winner(user, sms_outbox):
    codes.code_send(phone=PHONE, purpose=CodePurpose.SET_PASSWORD, ip=IP)  # committed: the text is sent at once
    code = code_in(sms_outbox[-1][1])
    barrier = threading.Barrier(4)
    outcomes = []

    def use(n):
        try:
            barrier.wait(timeout=30)
            set_password(code, password=f"Parallel-pass-{n}9")
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=use, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["code_used"] * 3 + ["ok"]
    assert AuditEntry.objects.filter(action="password_set").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_a_number_that_had_a_code_send_exactly_one(user, sms_outbox, settings):
    settings.OTP_RESEND_SECONDS = 60
    OneTimeCode.objects.create(
        phone=PHONE,
        purpose=CodePurpose.SET_PASSWORD,
        code_hash="-",
        created_at=timezone.now() - timedelta(minutes=5),
        expires_at=timezone.now() - timedelta(minutes=4),
    )
    barrier = threading.Barrier(5)
    outcomes = []

    def ask(n):
        try:
            barrier.wait(timeout=30)
            codes.code_send(phone=PHONE, purpose=CodePurpose.SET_PASSWORD, ip=f"203.0.113.{n}")
            outcomes.append("sent")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["code_rate_limited"] * 4 + ["sent"]
    assert len(sms_outbox) == 1
