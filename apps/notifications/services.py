"""Every write on notifications: create them (in-app, with e-mail as a second channel) and mark them read.

Who is told is the caller's decision, and so is the rule that nobody is told about their own action: a service
that notifies skips the user who acted (see apps/notifications/events.py). Titles and bodies arrive already
translated: the caller renders them with `translation.override(settings.LANGUAGE_CODE)`.

Creating a notification is idempotent by `dedupe_key`: the database's unique constraint on (user, dedupe_key)
decides, so two concurrent calls for one event leave one row and raise nothing. E-mail leaves only after the
caller's transaction commits (`transaction.on_commit`), only to active users with an e-mail address, through
Django's configured e-mail backend; a failure to send is logged and never reaches the caller.
"""

import logging
from functools import partial

from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.text import clean_text
from apps.notifications import errors, links
from apps.notifications.models import Notification, NotificationKind, SubjectType

logger = logging.getLogger(__name__)

_TITLE_MAX = Notification._meta.get_field("title").max_length
_BODY_MAX = Notification._meta.get_field("body").max_length
_DEDUPE_KEY_MAX = Notification._meta.get_field("dedupe_key").max_length


# --- creating -----------------------------------------------------------------------------------------------------


def _cut(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean(*, kind, title, body, subject, dedupe_key):
    """The title and body as stored (apps.core.text.clean_text; too long: cut rather than refused, the text is the
    platform's own). Programming errors of the caller, not user input: they raise ValueError rather than a domain
    error."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if dedupe_key is not None and not 0 < len(dedupe_key) <= _DEDUPE_KEY_MAX:
        raise ValueError(f"dedupe_key must have 1 to {_DEDUPE_KEY_MAX} characters")
    if subject is not None and subject.type not in SubjectType.values:
        raise ValueError(f"unknown notification subject type: {subject.type!r}")
    title = clean_text(title)
    if not title:
        raise ValueError("a notification needs a title")
    # A long title (an activity's name inside a sentence) is cut rather than refused: the body carries the rest.
    return _cut(title, _TITLE_MAX), _cut(clean_text(body, strip=False), _BODY_MAX)


def _subject_fields(subject):
    if subject is None:
        return {"subject_type": "", "subject_id": None, "subject_params": {}}
    return {"subject_type": subject.type, "subject_id": subject.id, "subject_params": dict(subject.params)}


def _wants_email(user):
    return bool(user.is_active and user.email)


@transaction.atomic
def notify(*, user, kind, title, body="", subject=None, dedupe_key=None, email=True):
    """Tell `user` something: an in-app notification, and an e-mail once the caller's transaction commits.
    `subject` (apps.notifications.links: wish(pk), activity(pk), ...) is what it is about; the pages, the API and the
    e-mail each lead there by their own address.

    Call it inside the transaction of the state change it reports, so both happen or neither does. A second call
    with the same user and `dedupe_key` does nothing and returns None, also when the two race (the unique
    constraint decides, inside a savepoint, so the caller's transaction stays usable). Returns the notification.
    """
    title, body = _clean(kind=kind, title=title, body=body, subject=subject, dedupe_key=dedupe_key)
    fields = {"user": user, "kind": kind, "title": title, "body": body, **_subject_fields(subject)}
    fields["dedupe_key"] = dedupe_key
    if dedupe_key is None:
        notification = Notification.objects.create(**fields)
    else:
        try:
            with transaction.atomic():
                notification = Notification.objects.create(**fields)
        except IntegrityError:
            return None
    if email and _wants_email(user):
        message = _email_message(notification, to=user.email)
        transaction.on_commit(partial(_send_emails, [(notification.pk, message)]))
    return notification


def _unique_users(users):
    seen, unique = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            unique.append(user)
    return unique


@transaction.atomic
def notify_many(*, users, kind, title, body="", subject=None, dedupe_key=None, email=True):
    """Tell each of `users` (User instances, or a queryset of them) the same thing; returns how many were created.

    `dedupe_key` is per user: the same key for every user is the usual call ("no_service_quarter:2025Q3"), and
    users who already have it are skipped. A constant number of queries whatever the number of users: one read of
    who already has the key, one multi-row INSERT (split only where the database limits parameters per query).
    If a concurrent call inserts some of the same rows first, the INSERT fails as a whole and this falls back to
    one savepoint per user, so the count stays exact and nobody is told twice.
    """
    title, body = _clean(kind=kind, title=title, body=body, subject=subject, dedupe_key=dedupe_key)
    about = _subject_fields(subject)
    users = _unique_users(users)
    if dedupe_key is not None and users:
        already = set(
            Notification.objects.filter(dedupe_key=dedupe_key, user_id__in=[u.pk for u in users]).values_list(
                "user_id", flat=True
            )
        )
        users = [u for u in users if u.pk not in already]
    if not users:
        return 0
    now = timezone.now()

    def build(user):
        return Notification(
            user=user, kind=kind, title=title, body=body, **about, dedupe_key=dedupe_key, created_at=now
        )

    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create([build(u) for u in users])
    except IntegrityError:
        created = []
        for user in users:
            try:
                with transaction.atomic():
                    created.append(Notification.objects.create(**_fields_of(build(user))))
            except IntegrityError:
                continue  # the concurrent call told this user

    if email:
        by_pk = {u.pk: u for u in users}
        messages = [
            (n.pk, _email_message(n, to=by_pk[n.user_id].email)) for n in created if _wants_email(by_pk[n.user_id])
        ]
        if messages:
            transaction.on_commit(partial(_send_emails, messages))
    return len(created)


def _fields_of(notification):
    return {
        name: getattr(notification, name)
        for name in (
            "user",
            "kind",
            "title",
            "body",
            "subject_type",
            "subject_id",
            "subject_params",
            "dedupe_key",
            "created_at",
        )
    }


# --- e-mail ------------------------------------------------------------------------------------------------------


def _email_message(notification, *, to):
    # Mail headers cannot hold line breaks (Django refuses them): the subject is the title on one line.
    subject = " ".join(notification.title.split())
    text = notification.body
    # The page the recipient uses, never an API address: a person reads the mail.
    url = links.page_url(notification)
    if url:
        text = f"{text}\n\n{url}" if text else url
    return mail.EmailMessage(subject=subject, body=text, to=[to])


def _send_emails(messages):
    """on_commit callback: send each message over one backend connection, then stamp `emailed_at` on the sent ones.

    Runs after the commit, so nothing may escape it: a failure is logged (with the notification) and the
    notification stays unmailed (`emailed_at` null) for an operator or a later job to see.
    """
    sent = []
    try:
        connection = mail.get_connection()
        with connection:
            for pk, message in messages:
                try:
                    message.connection = connection
                    message.send()
                except Exception:
                    logger.exception("Sending the e-mail of notification %s failed", pk)
                else:
                    sent.append(pk)
    except Exception:
        logger.exception("Opening the e-mail connection for notifications %s failed", [pk for pk, _ in messages])
    if not sent:
        return
    try:
        Notification.objects.filter(pk__in=sent, emailed_at__isnull=True).update(emailed_at=timezone.now())
    except Exception:
        logger.exception("Recording the e-mails of notifications %s as sent failed", sent)


# --- reading ------------------------------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user, notification):
    """Mark one of the user's own notifications read (someone else's reads as 404). Marking twice keeps the first
    time. Not audited: the inbox state of one user is not a domain state change."""
    if notification.user_id != user.pk:
        raise errors.notification_not_found()
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, user=user, read_at__isnull=True).update(read_at=now)
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user):
    """Mark every unread notification of the user read; returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
