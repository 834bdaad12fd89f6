"""The notifications that other apps' services send on their state changes, worded once, here.

Each function is called inside the transaction of the change it reports, renders its text in the site's language
(the recipients' language: LANGUAGE_CODE, zh-hans by default) and skips the user whose own action it was.
"""

from django.conf import settings
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.notifications import links
from apps.notifications.models import NotificationKind
from apps.notifications.services import notify, notify_many

SIGNUP_PROMOTED_TITLE = _("You have a place in “%(activity)s”")
SIGNUP_PROMOTED_BODY = _(
    "A place became free in “%(activity)s” (starts %(starts_at)s) and it is now yours. "
    "If you cannot come, please cancel your sign-up so that the next person on the waitlist gets it."
)
REGISTRATION_CONFIRMED_TITLE = _("Your registration with %(community)s is confirmed")
REGISTRATION_CONFIRMED_BODY = _(
    "The staff of %(community)s confirmed your registration. Receipt number: %(receipt)s. "
    "Your organ can now see the receipt."
)


def _when(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def signup_promoted(*, signup, actor=None):
    """The member moved from the waitlist to a confirmed place (a place freed up, or an organizer promoted)."""
    user = signup.member.user
    if actor is not None and actor.pk == user.pk:
        return None
    activity = signup.activity
    with translation.override(settings.LANGUAGE_CODE):
        title = SIGNUP_PROMOTED_TITLE % {"activity": activity.title}
        body = SIGNUP_PROMOTED_BODY % {"activity": activity.title, "starts_at": _when(activity.starts_at)}
    return notify(
        user=user,
        kind=NotificationKind.SIGNUP_PROMOTED,
        title=title,
        body=body,
        subject=links.activity(activity.pk),
        dedupe_key=f"signup_promoted:{signup.pk}",
    )


def registration_confirmed(*, registration, actor=None):
    """Community staff confirmed the member's registration (个人报到) and its receipt (回执) was issued."""
    user = registration.member.user
    if actor is not None and actor.pk == user.pk:
        return None
    community = registration.community.name
    with translation.override(settings.LANGUAGE_CODE):
        title = REGISTRATION_CONFIRMED_TITLE % {"community": community}
        body = REGISTRATION_CONFIRMED_BODY % {"community": community, "receipt": registration.receipt_number}
    return notify(
        user=user,
        kind=NotificationKind.REGISTRATION_CONFIRMED,
        title=title,
        body=body,
        subject=links.registration(registration.pk),
        dedupe_key=f"registration_confirmed:{registration.pk}",
    )


CLAIM_RELEASED_TITLE = _("Your claim on “%(wish)s” was released")
CLAIM_RELEASED_BODY = _(
    "The micro-wish “%(wish)s” was not fulfilled by %(deadline)s, so your claim was released and the wish is "
    "offered to others again."
)
WISH_EXPIRED_TITLE = _("The micro-wish “%(wish)s” expired unclaimed")
WISH_EXPIRED_BODY = _(
    "Nobody claimed the micro-wish “%(wish)s” before its deadline (%(deadline)s). You may post it again with a new "
    "deadline."
)


def claim_released_overdue(*, claim):
    """The scheduler released a claim past its claim deadline: tell whoever claimed (a member, or the secretary
    who claimed for a branch), or for a team's claim the team's leader now (nobody while the team has none)."""
    wish = claim.wish
    if claim.team_id is not None and claim.team.leader_id is None:
        return None
    user = claim.team.leader.user if claim.team_id is not None else claim.claimed_by
    with translation.override(settings.LANGUAGE_CODE):
        title = CLAIM_RELEASED_TITLE % {"wish": wish.title}
        body = CLAIM_RELEASED_BODY % {"wish": wish.title, "deadline": _when(claim.claim_deadline)}
    return notify(
        user=user,
        kind=NotificationKind.CLAIM_RELEASED,
        title=title,
        body=body,
        subject=links.wish(wish.pk),
        dedupe_key=f"claim_released:{claim.pk}",
    )


def wish_expired(*, wish, actor=None):
    """A published wish passed its deadline unclaimed: tell the staff member who posted it."""
    user = wish.created_by
    if actor is not None and actor.pk == user.pk:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        title = WISH_EXPIRED_TITLE % {"wish": wish.title}
        body = WISH_EXPIRED_BODY % {"wish": wish.title, "deadline": _when(wish.deadline)}
    return notify(
        user=user,
        kind=NotificationKind.WISH_EXPIRED,
        title=title,
        body=body,
        subject=links.wish(wish.pk),
        dedupe_key=f"wish_expired:{wish.pk}",
    )


RESIDENT_REQUEST_TITLE = _("A resident's request in %(place)s")
RESIDENT_REQUEST_BODY = _(
    "A resident asked for help in %(place)s (received %(at)s). Open the request to accept it into a wish, merge it "
    "into an open wish or decline it with a reason."
)


def resident_request_received(*, request):
    """A resident's request (居民点单) came in: tell the workers of its grid, or the community's staff when the grid
    has none (or the address fell in a community without grids). Never the resident's name or need: a notification
    may go out by e-mail."""
    from apps.accounts.models import Role, User

    grid = request.grid
    users = User.objects.none()
    if grid is not None:
        users = User.objects.filter(
            Q(grids_worked=grid) | Q(roles__role=Role.GRID_WORKER, roles__grid=grid), is_active=True
        ).distinct()
    if not users.exists():
        users = User.objects.filter(
            roles__role=Role.COMMUNITY_STAFF, roles__community_id=request.community_id, is_active=True
        ).distinct()
    place = f"{request.community.name} · {grid.name}" if grid is not None else request.community.name
    with translation.override(settings.LANGUAGE_CODE):
        title = RESIDENT_REQUEST_TITLE % {"place": place}
        body = RESIDENT_REQUEST_BODY % {"place": place, "at": _when(request.created_at)}
    return notify_many(
        users=users,
        kind=NotificationKind.RESIDENT_REQUEST_RECEIVED,
        title=title,
        body=body,
        subject=links.resident_request(request.pk),
        dedupe_key=f"resident_request:{request.pk}",
    )


TEAM_SIGNED_UP_TITLE = _("%(leader)s signed you up for “%(activity)s”")
TEAM_SIGNED_UP_CONFIRMED_BODY = _(
    "%(leader)s, the leader of %(team)s, signed you up for “%(activity)s” (starts %(starts_at)s) with the team: you "
    "have a place. If you cannot come, please cancel your sign-up so that the place goes to someone else."
)
TEAM_SIGNED_UP_WAITLISTED_BODY = _(
    "%(leader)s, the leader of %(team)s, signed you up for “%(activity)s” (starts %(starts_at)s) with the team: the "
    "places are taken, so you are on the waitlist and will be told if a place becomes free."
)


def team_signed_up(*, signup, actor):
    """The team's leader (`actor`) signed the member up for an activity with the team (a place or the waitlist);
    nobody hears of signing themself up."""
    user = signup.member.user
    if actor.pk == user.pk:
        return None
    activity = signup.activity
    # "confirmed": apps.activities.models.SignUpStatus.CONFIRMED (a place); otherwise the waitlist.
    body = TEAM_SIGNED_UP_CONFIRMED_BODY if signup.status == "confirmed" else TEAM_SIGNED_UP_WAITLISTED_BODY
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "leader": actor.name,
            "team": signup.team.name,
            "activity": activity.title,
            "starts_at": _when(activity.starts_at),
        }
        title = TEAM_SIGNED_UP_TITLE % params
        body = body % params
    return notify(
        user=user,
        kind=NotificationKind.TEAM_SIGNED_UP,
        title=title,
        body=body,
        subject=links.activity(activity.pk),
        dedupe_key=f"team_signed_up:{signup.pk}",
    )


TEAM_DISSOLVED_SIGNUP_TITLE = _("Your sign-up for “%(activity)s” was cancelled")
TEAM_DISSOLVED_SIGNUP_BODY = _(
    "The volunteer team %(team)s was dissolved, so the sign-up its leader made for you for “%(activity)s” (starts "
    "%(starts_at)s) was cancelled. You may sign up again yourself."
)


def team_signup_cancelled(*, signup, actor=None):
    """The member's team sign-up was cancelled because the team was dissolved."""
    user = signup.member.user
    if actor is not None and actor.pk == user.pk:
        return None
    activity = signup.activity
    with translation.override(settings.LANGUAGE_CODE):
        params = {"team": signup.team.name, "activity": activity.title, "starts_at": _when(activity.starts_at)}
        title = TEAM_DISSOLVED_SIGNUP_TITLE % params
        body = TEAM_DISSOLVED_SIGNUP_BODY % params
    return notify(
        user=user,
        kind=NotificationKind.TEAM_SIGNUP_CANCELLED,
        title=title,
        body=body,
        subject=links.activity(activity.pk),
        dedupe_key=f"team_signup_cancelled:{signup.pk}",
    )


TEAM_DISSOLVED_CLAIM_BODY = _(
    "The volunteer team %(team)s was dissolved, so its claim on the micro-wish “%(wish)s” was released and the wish "
    "is offered to others again."
)


def team_claim_released(*, claim, leader, actor=None):
    """A team's claim was released because the team was dissolved: tell the team's last leader (`leader`, a
    Member, or None when the team had none)."""
    if leader is None:
        return None
    user = leader.user
    if actor is not None and actor.pk == user.pk:
        return None
    wish = claim.wish
    with translation.override(settings.LANGUAGE_CODE):
        title = CLAIM_RELEASED_TITLE % {"wish": wish.title}
        body = TEAM_DISSOLVED_CLAIM_BODY % {"team": claim.team.name, "wish": wish.title}
    return notify(
        user=user,
        kind=NotificationKind.CLAIM_RELEASED,
        title=title,
        body=body,
        subject=links.wish(wish.pk),
        dedupe_key=f"claim_released:{claim.pk}",
    )


TEAM_NEEDS_LEADER_TITLE = _("The volunteer team %(team)s needs a new leader")
TEAM_NEEDS_LEADER_BODY = _(
    "%(leader)s, the leader of %(team)s, is no longer in the team (%(why)s). Until you set a new leader among its "
    "members, the team claims no wishes and signs nobody up for activities."
)
LEADER_MOVED = _("moved to another organ")
LEADER_INACTIVE = _("no longer in service")


def team_needs_leader(*, team, membership, users, inactive):
    """The team's leader left it (went to another organ, or is no longer in service; `membership` is their ended
    membership): tell whoever manages the team (`users`), who set the new leader."""
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "team": team.name,
            "leader": membership.member.user.name,
            "why": str(LEADER_INACTIVE if inactive else LEADER_MOVED),
        }
        title = TEAM_NEEDS_LEADER_TITLE % params
        body = TEAM_NEEDS_LEADER_BODY % params
    return notify_many(
        users=users,
        kind=NotificationKind.TEAM_NEEDS_LEADER,
        title=title,
        body=body,
        subject=links.team(team.pk),
        dedupe_key=f"team_needs_leader:{membership.pk}",
    )
