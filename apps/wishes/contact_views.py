"""Who was shown a resident's contact details (谁查看过联系方式): one audit entry per wish and showing.

Contact details are shown one wish at a time (lists carry at most the name): every answer or page that shows a
wish's resident unmasked (the selector's `sees_resident`) appends one entry to the audit trail with one INSERT,
under its own subject type so that only the community's staff (and superusers) read it. Entries are never changed
or deleted.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.scope import scope_for
from apps.ledger.models import AuditEntry
from apps.wishes import errors
from apps.wishes.models import Wish

# A subject type of its own (the subject id is the wish's): the wish's history (`audit_for`) stays its state
# changes, and the general audit list shows these only to the community's staff (see `visible_wishes`).
CONTACT_VIEW_SUBJECT = "wishes.wish_contact"
CONTACT_VIEW_ACTION = "view_contact"


class ContactChannel(models.TextChoices):
    API_DETAIL = "api_detail", _("API: wish detail")
    API_ACTION = "api_action", _("API: answer to an action (claim, fulfil ...)")
    MEMBER_PAGE = "member_page", _("Member page of the wish")
    STAFF_PAGE = "staff_page", _("Community desk page of the wish")


def shows_contact(wish):
    """The selector's flag: the resident is shown unmasked to this viewer."""
    return bool(getattr(wish, "sees_resident", False))


def contact_views_record(*, viewer, wishes, channel):
    """Record that `viewer` was shown the unmasked resident of each of `wishes` through `channel`: one INSERT.

    Not wrapped in a transaction of its own: a single multi-row INSERT is atomic, and this must stay cheap on the
    read paths that call it. Returns the number of entries written.
    """
    now = timezone.now()
    entries = [
        AuditEntry(
            at=now,
            actor=viewer,
            subject_type=CONTACT_VIEW_SUBJECT,
            subject_id=wish.pk,
            action=CONTACT_VIEW_ACTION,
            after={"channel": str(channel)},
        )
        for wish in dict.fromkeys(wishes)  # one entry per wish even if a page repeats it
    ]
    if entries:
        AuditEntry.objects.bulk_create(entries)
    return len(entries)


def contact_view_record_if_shown(*, viewer, wish, channel):
    """Record one showing when the viewer sees the resident in full (the `sees_resident` flag); a masked view
    records nothing."""
    if wish is not None and shows_contact(wish):
        return contact_views_record(viewer=viewer, wishes=[wish], channel=channel)
    return 0


def visible_wishes(user):
    """The wishes whose contact-view entries `user` may read: those of the communities they are staff of (the audit
    trail's scope for CONTACT_VIEW_SUBJECT; superusers read all through the audit list itself)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Wish.objects.all()
    return Wish.objects.filter(community__in=scope.staff_community_ids)


def may_read_contact_views(user, wish):
    scope = scope_for(user)
    return scope.is_superuser or scope.manages_community(wish.community_id)


def contact_views_of(*, user, wish):
    """Who was shown the resident of `wish`, newest first; only the community's staff and superusers may ask."""
    if not may_read_contact_views(user, wish):
        raise errors.not_community_staff()
    return (
        AuditEntry.objects.filter(subject_type=CONTACT_VIEW_SUBJECT, subject_id=wish.pk, action=CONTACT_VIEW_ACTION)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def channel_label(entry):
    """The translated name of the channel an entry was recorded through."""
    value = (entry.after or {}).get("channel", "")
    try:
        return ContactChannel(value).label
    except ValueError:
        return value
