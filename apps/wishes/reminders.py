"""Reminders about micro-wishes, sent by the scheduler: a claimant whose claim deadline is near is told in time."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.wishes.models import ClaimStatus, WishClaim, WishStatus


def claim_reminder_window():
    """How long before the claim deadline the claimant is reminded (WISH_REMIND_BEFORE_H, default 24 h)."""
    return timedelta(hours=getattr(settings, "WISH_REMIND_BEFORE_H", 24))


def claims_due_for_reminder(*, now):
    """Active claims on claimed wishes whose deadline falls in (now, now + window]: past deadlines are the release
    job's business, so a reminder is never sent for a claim that can no longer be fulfilled."""
    return (
        WishClaim.objects.filter(
            status=ClaimStatus.ACTIVE,
            wish__status=WishStatus.CLAIMED,
            claim_deadline__gt=now,
            claim_deadline__lte=now + claim_reminder_window(),
        )
        .select_related("wish", "member__user", "claimed_by", "team__leader__user")
        .order_by("claim_deadline", "pk")
    )


def _recipient(claim):
    # A member's own claim reminds the member; a branch's group claim reminds whoever claimed it (the secretary); a
    # team's reminds the team's leader now (who answers for the team's claims), nobody while the team has none.
    if claim.member_id is not None:
        return claim.member.user
    if claim.team_id is not None:
        return claim.team.leader.user if claim.team.leader_id is not None else None
    return claim.claimed_by


def wish_remind_claim_deadlines(*, now=None):
    """Remind every claimant whose claim deadline is within the window; returns how many reminders were sent.

    Idempotent and catch-up safe: the dedupe key is the claim, so a second run, or a late run after downtime that
    finds many claims at once, notifies each claimant once per claim.
    """
    from apps.notifications import links
    from apps.notifications.services import notify  # the notification centre is optional for this module's import

    now = now or timezone.now()
    sent = 0
    for claim in claims_due_for_reminder(now=now):
        with translation.override(settings.LANGUAGE_CODE):
            deadline = timezone.localtime(claim.claim_deadline).strftime("%Y-%m-%d %H:%M")
            title = _("Your claimed wish is due soon: %(title)s") % {"title": claim.wish.title}
            body = _(
                "Please fulfil the micro-wish “%(title)s” by %(deadline)s. After that the claim is released and "
                "the wish is offered to others."
            ) % {"title": claim.wish.title, "deadline": deadline}
        recipient = _recipient(claim)
        if recipient is None:
            continue
        created = notify(
            user=recipient,
            kind="wish_claim_due",
            title=title,
            body=body,
            subject=links.wish(claim.wish_id),
            dedupe_key=f"wish_claim_due:{claim.pk}",
        )
        sent += created is not None
    return sent
