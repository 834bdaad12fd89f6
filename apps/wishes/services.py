"""Every write on micro-wishes: one function per verb of the lifecycle, each transactional and audited.

draft → pending_review → published → claimed → fulfilled → confirmed; claimed → published (release, revoke, overdue
claim); published → expired; any open state → cancelled. Transitions re-read the wish under a row lock (claiming
uses a conditional UPDATE instead), check its state, and raise the errors of apps.wishes.errors.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.core.images import clean_image
from apps.core.text import clean_model_text, clean_text
from apps.ledger.models import RecordStatus, ServiceSource
from apps.ledger.services import audit_log, record_create
from apps.notifications import events as notification_events
from apps.orgs.models import Member, PartyOrg
from apps.teams import errors as team_errors
from apps.teams.models import Team, TeamStatus
from apps.teams.selectors import team_members
from apps.wishes import errors
from apps.wishes.models import (
    OPEN_CLAIM_STATUSES,
    OPEN_WISH_STATUSES,
    Beneficiary,
    ClaimStatus,
    Wish,
    WishClaim,
    WishForm,
    WishParticipant,
    WishStatus,
)
from apps.wishes.permissions import (
    branch_may_claim,
    member_may_claim,
    poster_role,
    require_branch_secretary,
    require_claimant,
    require_community_staff,
    require_poster,
    require_team_leader,
    team_may_claim,
)

_REASON_MAX = Wish._meta.get_field("closed_reason").max_length
_COMMENT_MAX = Wish._meta.get_field("rating_comment").max_length
_NOTE_MAX = Wish._meta.get_field("fulfil_note").max_length
_CLAIMED_STATES = (WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED)


# --- helpers ----------------------------------------------------------------------------------------------------


def _setting(name, default):
    return getattr(settings, name, default)


def _audit(*, actor, wish, action, before, after=None, reason="", **extra):
    audit_log(
        actor=actor,
        subject=wish,
        action=action,
        before=None if before is None else {"status": str(before)},
        after={"status": str(wish.status if after is None else after), **extra},
        reason=reason,
    )


def _locked(wish):
    """The wish re-read under a row lock (on SQLite the IMMEDIATE transaction already holds the write lock)."""
    return Wish.objects.select_for_update().get(pk=wish.pk)


def _require_state(wish, *states, required):
    if wish.status not in states:
        raise errors.not_in_state(required, wish.status)


def _required_text(value, *, code, message, field, max_length, too_long_code="reason_too_long"):
    """Free text that must be given (apps.core.text.clean_text: direction controls removed, trimmed, at most
    `max_length` characters, else `too_long_code`)."""
    value = clean_text(value, max_length=max_length, field=field, code=too_long_code)
    if not value:
        raise Invalid(code, message)
    return value


def _wish_text(field, value):
    """A wish's own free text: cleaned, at most its field's max_length (text_too_long, with the field named)."""
    return clean_model_text(Wish, field, value)


def _current_claim(wish):
    """The claim that answers for the wish now: active while claimed, completed once fulfilled."""
    return (
        WishClaim.objects.select_related("member", "branch", "team")
        .filter(wish=wish, status__in=(ClaimStatus.ACTIVE, ClaimStatus.COMPLETED))
        .order_by("-claimed_at", "-id")
        .first()
    )


def _clean_value(value):
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise Invalid("wish_value_invalid", errors.VALUE_NEGATIVE) from exc
    if not value.is_finite() or value < 0:
        raise Invalid("wish_value_negative", errors.VALUE_NEGATIVE)
    cap = Decimal(_setting("WISH_MAX_VALUE", 500))
    if value > cap:
        raise Invalid("wish_value_over_cap", errors.VALUE_OVER_CAP % {"cap": cap}, extra={"cap": str(cap)})
    return value


def _clean_deadline(deadline, now):
    if deadline is None or timezone.is_naive(deadline):
        raise Invalid("deadline_invalid", errors.DEADLINE_NOT_FUTURE)
    if deadline <= now:
        raise Invalid("deadline_not_future", errors.DEADLINE_NOT_FUTURE)
    return deadline


def _clean_residents(beneficiary, residents_count):
    if isinstance(residents_count, bool) or not isinstance(residents_count, int):
        raise Invalid("residents_count_invalid", errors.RESIDENTS_COUNT_INVALID)
    if beneficiary == Beneficiary.INDIVIDUAL and residents_count != 1:
        raise Invalid("residents_count_invalid", errors.RESIDENTS_COUNT_INVALID)
    if beneficiary == Beneficiary.GROUP and residents_count < 2:
        raise Invalid("residents_count_invalid", errors.RESIDENTS_COUNT_INVALID)
    return residents_count


def _publish(wish, *, actor, now):
    if wish.deadline <= now:
        raise errors.wish_deadline_passed()
    wish.status = WishStatus.PUBLISHED
    wish.published_at = now
    wish.verified_by = actor
    wish.save(update_fields=["status", "published_at", "verified_by", "updated_at"])


# --- creating and publishing -------------------------------------------------------------------------------------


@transaction.atomic
def wish_create(
    *,
    actor,
    grid,
    title,
    category,
    resident_name,
    deadline,
    community=None,
    story="",
    form=WishForm.MATERIAL,
    beneficiary=Beneficiary.INDIVIDUAL,
    residents_count=1,
    estimated_value=0,
    resident_phone="",
    resident_address="",
    photo=None,
    publish=False,
    now=None,
):
    """Post a resident's wish in `grid` (of `community`, if given).

    Community staff create a draft, or publish at once with `publish=True`; the grid's worker creates it pending
    verification by the community's staff (核实), and may not publish it. `now` (default: the clock) is the moment it
    is posted, as for every wish service that takes it: the demo's history writes past wishes through them.
    """
    if community is not None and grid.community_id != community.pk:
        raise Invalid("grid_not_in_community", errors.GRID_NOT_IN_COMMUNITY)
    role = poster_role(actor, grid.community_id, grid.pk)
    if publish and role != "staff":
        raise errors.not_community_staff()
    now = now or timezone.now()
    wish = Wish(
        community_id=grid.community_id,
        grid=grid,
        title=_required_text(
            title,
            code="title_required",
            message=errors.TITLE_REQUIRED,
            field="title",
            max_length=Wish._meta.get_field("title").max_length,
            too_long_code="text_too_long",
        ),
        story=_wish_text("story", story),
        category=category,
        form=form,
        beneficiary=beneficiary,
        residents_count=_clean_residents(beneficiary, residents_count),
        estimated_value=_clean_value(estimated_value),
        resident_name=_required_text(
            resident_name,
            code="resident_name_required",
            message=errors.RESIDENT_NAME_REQUIRED,
            field="resident_name",
            max_length=Wish._meta.get_field("resident_name").max_length,
            too_long_code="text_too_long",
        ),
        resident_phone=_wish_text("resident_phone", resident_phone),
        resident_address=_wish_text("resident_address", resident_address),
        deadline=_clean_deadline(deadline, now),
        status=WishStatus.DRAFT if role == "staff" else WishStatus.PENDING_REVIEW,
        created_by=actor,
    )
    # Choices, lengths and constraints: a Django ValidationError, which the API turns into a 400.
    wish.full_clean(exclude=["photo", "fulfil_photo"])
    wish.photo = clean_image(photo) or ""
    wish.save()
    _audit(actor=actor, wish=wish, action="create", before=None)
    if publish:
        _publish(wish, actor=actor, now=now)
        _audit(actor=actor, wish=wish, action="publish", before=WishStatus.DRAFT)
    return wish


@transaction.atomic
def wish_submit(*, wish, actor):
    """A draft goes to the community's staff for verification."""
    require_poster(actor, wish)
    wish = _locked(wish)
    _require_state(wish, WishStatus.DRAFT, required="draft")
    wish.status = WishStatus.PENDING_REVIEW
    wish.save(update_fields=["status", "updated_at"])
    _audit(actor=actor, wish=wish, action="submit", before=WishStatus.DRAFT)
    return wish


@transaction.atomic
def wish_verify(*, wish, actor, now=None):
    """Community staff verified the family's situation (核实): a wish waiting for verification is published."""
    require_community_staff(actor, wish.community_id)
    wish = _locked(wish)
    _require_state(wish, WishStatus.PENDING_REVIEW, required="pending_review")
    _publish(wish, actor=actor, now=now or timezone.now())
    _audit(actor=actor, wish=wish, action="verify", before=WishStatus.PENDING_REVIEW)
    return wish


@transaction.atomic
def wish_publish(*, wish, actor):
    """Community staff publish a draft or a wish waiting for verification (publishing vouches for it)."""
    require_community_staff(actor, wish.community_id)
    wish = _locked(wish)
    _require_state(wish, WishStatus.DRAFT, WishStatus.PENDING_REVIEW, required="publishable")
    before = wish.status
    _publish(wish, actor=actor, now=timezone.now())
    _audit(actor=actor, wish=wish, action="publish", before=before)
    return wish


# --- residents ------------------------------------------------------------------------------------------------

# Until it is reported fulfilled, a wish may come to serve more residents (a resident's request merged into it).
_RESIDENTS_OPEN_STATES = (WishStatus.DRAFT, WishStatus.PENDING_REVIEW, WishStatus.PUBLISHED, WishStatus.CLAIMED)


@transaction.atomic
def wish_resident_add(*, wish, actor):
    """One more resident is served by the wish (a request of another resident merged into it, apps.residents): its
    residents count rises by one, and a wish for one resident becomes a wish for a group (a group serves at least
    two). Whoever may post in the wish's grid (its community's staff, the grid's worker); not once it is reported
    fulfilled (409 wish_not_open): the confirmed service credits the count as it stands then."""
    require_poster(actor, wish)
    wish = _locked(wish)
    if wish.status not in _RESIDENTS_OPEN_STATES:
        raise errors.not_in_state("open", wish.status)
    before = {"residents_count": wish.residents_count, "beneficiary": str(wish.beneficiary)}
    wish.residents_count += 1
    wish.beneficiary = Beneficiary.GROUP
    wish.save(update_fields=["residents_count", "beneficiary", "updated_at"])
    audit_log(
        actor=actor,
        subject=wish,
        action="resident_add",
        before=before,
        after={"residents_count": wish.residents_count, "beneficiary": str(wish.beneficiary)},
    )
    return wish


# --- claiming -------------------------------------------------------------------------------------------------


def _open_claims_after_lock(*, member=None, branch=None, team=None):
    """Lock the claimant's row, then count: two concurrent claims by one member queue here (on PostgreSQL)."""
    if member is not None:
        Member.objects.select_for_update().filter(pk=member.pk).values_list("pk", flat=True).get()
        return WishClaim.objects.filter(member=member, status__in=OPEN_CLAIM_STATUSES).count()
    if team is not None:
        Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).get()
        return WishClaim.objects.filter(team=team, status__in=OPEN_CLAIM_STATUSES).count()
    PartyOrg.objects.select_for_update().filter(pk=branch.pk).values_list("pk", flat=True).get()
    return WishClaim.objects.filter(branch=branch, status__in=OPEN_CLAIM_STATUSES).count()


def _claim_refused(wish_pk):
    """Why the conditional update matched no row: someone holds it, its deadline passed, or it is not published."""
    status = Wish.objects.filter(pk=wish_pk).values_list("status", flat=True).first()
    if status in _CLAIMED_STATES:
        return errors.wish_already_claimed()
    if status == WishStatus.PUBLISHED:
        return errors.wish_deadline_passed()
    return errors.not_in_state("published", status)


@transaction.atomic
def wish_claim(*, wish, actor, as_branch=None, as_team=None, now=None):
    """Claim a published wish for the acting member, for `as_branch` (a branch the actor is secretary of) or for
    `as_team` (an active volunteer team the actor leads).

    Atomic without read-then-write: the wish moves published → claimed by a conditional UPDATE, and the one
    active claim per wish is also a partial unique index. A member (a branch, a team) holds at most
    WISH_MAX_OPEN_CLAIMS active claims, counted after locking the member's (branch's, team's) row.
    """
    if as_branch is not None and as_team is not None:
        raise Invalid("claim_as_one", errors.CLAIM_AS_ONE)
    now = now or timezone.now()
    today = timezone.localdate(now)
    member = None
    if as_team is not None:
        require_team_leader(actor, as_team)
        if as_team.status != TeamStatus.ACTIVE:
            raise team_errors.team_dissolved()
        if not team_may_claim(as_team, wish.community_id, today=today):
            raise Forbidden("not_eligible_to_claim", errors.NOT_ELIGIBLE_TO_CLAIM)
    elif as_branch is None:
        scope = scope_for(actor)
        member = Member.objects.filter(pk=scope.member_id, is_active=True).first() if scope.member_id else None
        if member is None:
            raise Forbidden("not_a_member", errors.NOT_A_MEMBER)
        if not member_may_claim(member, wish.community_id, today=today):
            raise Forbidden("not_eligible_to_claim", errors.NOT_ELIGIBLE_TO_CLAIM)
    else:
        require_branch_secretary(actor, as_branch)
        if not branch_may_claim(as_branch, wish.community_id, today=today):
            raise Forbidden("not_eligible_to_claim", errors.NOT_ELIGIBLE_TO_CLAIM)
    limit = _setting("WISH_MAX_OPEN_CLAIMS", 3)
    if _open_claims_after_lock(member=member, branch=as_branch, team=as_team) >= limit:
        raise errors.claim_limit_reached(limit)

    won = Wish.objects.filter(pk=wish.pk, status=WishStatus.PUBLISHED, deadline__gt=now).update(
        status=WishStatus.CLAIMED, updated_at=now
    )
    if not won:
        raise _claim_refused(wish.pk)
    try:
        # A savepoint, so the unique-index backstop surfaces as the same 409 instead of a broken transaction.
        with transaction.atomic():
            claim = WishClaim.objects.create(
                wish_id=wish.pk,
                member=member,
                branch=as_branch,
                team=as_team,
                claimed_by=actor,
                claimed_at=now,
                claim_deadline=now + timedelta(days=_setting("WISH_CLAIM_DAYS", 14)),
            )
    except IntegrityError as exc:
        raise errors.wish_already_claimed() from exc
    wish.refresh_from_db()
    _audit(actor=actor, wish=wish, action="claim", before=WishStatus.PUBLISHED, claim_id=claim.pk)
    return claim


def _release(claim, *, now, reason):
    claim.status = ClaimStatus.RELEASED
    claim.released_at = now
    claim.release_reason = reason
    claim.save(update_fields=["status", "released_at", "release_reason", "updated_at"])


def _back_to_published(wish, claim, *, actor, action, now, reason=""):
    _release(claim, now=now, reason=reason)
    wish.status = WishStatus.PUBLISHED
    wish.save(update_fields=["status", "updated_at"])
    _audit(actor=actor, wish=wish, action=action, before=WishStatus.CLAIMED, reason=reason, claim_id=claim.pk)
    return wish


def _required_reason(reason):
    return _required_text(
        reason, code="reason_required", message=errors.REASON_REQUIRED, field="reason", max_length=_REASON_MAX
    )


def _optional_reason(reason):
    return clean_text(reason, max_length=_REASON_MAX, field="reason", code="reason_too_long")


@transaction.atomic
def wish_release(*, wish, actor, reason="", now=None):
    """The claimant gives the wish back; it is published again for others."""
    reason = _optional_reason(reason)
    wish = _locked(wish)
    _require_state(wish, WishStatus.CLAIMED, required="claimed")
    claim = _current_claim(wish)
    require_claimant(actor, claim)
    now = now or timezone.now()
    return _back_to_published(wish, claim, actor=actor, action="release", now=now, reason=reason)


@transaction.atomic
def wish_revoke(*, wish, actor, reason):
    """Community staff take a claim away (the claimant cannot follow through, say); the wish is published again."""
    require_community_staff(actor, wish.community_id)
    reason = _required_reason(reason)
    wish = _locked(wish)
    _require_state(wish, WishStatus.CLAIMED, required="claimed")
    claim = _current_claim(wish)
    return _back_to_published(wish, claim, actor=actor, action="revoke", now=timezone.now(), reason=reason)


def wish_release_overdue_claims(*, now=None):
    """Release every active claim past its claim deadline (the scheduler's job); returns how many were released.

    Each claim is released in its own transaction, so one failure does not undo the others and a claim fulfilled
    meanwhile is simply skipped.
    """
    now = now or timezone.now()
    due = WishClaim.objects.filter(status=ClaimStatus.ACTIVE, claim_deadline__lt=now).values_list("pk", flat=True)
    released = 0
    for claim_pk in list(due):
        released += _release_overdue_claim(claim_pk, now=now)
    return released


@transaction.atomic
def _release_overdue_claim(claim_pk, *, now):
    claim = WishClaim.objects.filter(pk=claim_pk).first()
    if claim is None:
        return 0
    wish = _locked(claim.wish)
    claim = WishClaim.objects.get(pk=claim_pk)
    if claim.status != ClaimStatus.ACTIVE or claim.claim_deadline >= now or wish.status != WishStatus.CLAIMED:
        return 0
    _back_to_published(wish, claim, actor=None, action="release_overdue", now=now, reason="overdue")
    notification_events.claim_released_overdue(claim=claim)
    return 1


# --- fulfilling and confirming -----------------------------------------------------------------------------------


def _clean_participants(claim, participants, *, now):
    if not claim.is_group:
        if participants:
            raise Invalid("participants_not_allowed", errors.PARTICIPANTS_NOT_ALLOWED)
        return []
    members = list({m.pk: m for m in participants or []}.values())
    if claim.team_id is not None:
        return _clean_team_participants(claim.team, members, now=now)
    if not members:
        raise Invalid("participants_required", errors.PARTICIPANTS_REQUIRED)
    if any(m.branch_id != claim.branch_id or not m.is_active for m in members):
        raise Invalid("participant_not_in_branch", errors.PARTICIPANT_NOT_IN_BRANCH)
    return members


def _service_started_at(fulfilled_at):
    """The start of the service a fulfilled wish's records carry (WISH_SERVICE_MINUTES before it was fulfilled)."""
    return fulfilled_at - timedelta(minutes=_setting("WISH_SERVICE_MINUTES", 60))


def _clean_team_participants(team, members, *, now):
    """Active members of the (still active) team now, who were already in it when the service started: their
    records carry the team, which the ledger accepts only for a member of it at that moment."""
    if team.status != TeamStatus.ACTIVE:
        raise team_errors.team_dissolved()
    if not members:
        raise Invalid("participants_required", errors.TEAM_PARTICIPANTS_REQUIRED)
    ids = {m.pk for m in members}
    in_team_now = set(team_members(team).filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    in_team_then = set(team_members(team, at=_service_started_at(now)).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - (in_team_now & in_team_then):
        raise Invalid("participant_not_in_team", errors.PARTICIPANT_NOT_IN_TEAM)
    return members


@transaction.atomic
def wish_fulfil(*, wish, actor, note, photo=None, participants=None, now=None):
    """The claimant reports the wish fulfilled, with a note and maybe a photo; for a branch claim, the secretary
    names the branch's members who took part, for a team claim the leader names the team's (each gets a service
    record on confirmation, a team's carrying the team)."""
    wish = _locked(wish)
    _require_state(wish, WishStatus.CLAIMED, required="claimed")
    claim = _current_claim(wish)
    require_claimant(actor, claim)
    now = now or timezone.now()
    if claim.claim_deadline < now:
        raise Conflict("claim_overdue", errors.CLAIM_OVERDUE)
    note = _required_text(
        note,
        code="note_required",
        message=errors.NOTE_REQUIRED,
        field="note",
        max_length=_NOTE_MAX,
        too_long_code="text_too_long",
    )
    members = _clean_participants(claim, participants, now=now)
    wish.fulfil_photo = clean_image(photo) or ""
    wish.status = WishStatus.FULFILLED
    wish.fulfilled_at = now
    wish.fulfil_note = note
    wish.save(update_fields=["status", "fulfilled_at", "fulfil_note", "fulfil_photo", "updated_at"])
    # The member's part is done: the claim stops counting against their open claims.
    claim.status = ClaimStatus.COMPLETED
    claim.save(update_fields=["status", "updated_at"])
    WishParticipant.objects.bulk_create([WishParticipant(claim=claim, member=m) for m in members])
    _audit(
        actor=actor,
        wish=wish,
        action="fulfil",
        before=WishStatus.CLAIMED,
        claim_id=claim.pk,
        participants=sorted(m.pk for m in members),
    )
    return wish


def _served_members(claim):
    if claim.member_id is not None:
        return [claim.member]
    return [p.member for p in claim.participants.select_related("member").order_by("member_id")]


@transaction.atomic
def wish_confirm(*, wish, actor, rating, comment="", now=None):
    """Community staff confirm a fulfilled wish with a 1-5 rating; each member who served gets an approved record.

    Nobody confirms their own service: not the claimant, not whoever claimed for a branch or a team, not the team's
    leader, not a participant. A team's participants' records carry the team (apps.ledger checks they were in it).
    """
    require_community_staff(actor, wish.community_id)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid("rating_invalid", errors.RATING_INVALID)
    comment = clean_text(comment, max_length=_COMMENT_MAX, field="comment", code="comment_too_long")
    wish = _locked(wish)
    _require_state(wish, WishStatus.FULFILLED, required="fulfilled")
    claim = _current_claim(wish)
    served = _served_members(claim)
    leads_team = (
        claim.team_id is not None and claim.team.leader_id is not None and claim.team.leader.user_id == actor.pk
    )
    if actor.pk == claim.claimed_by_id or leads_team or any(m.user_id == actor.pk for m in served):
        raise Forbidden("own_service", errors.OWN_SERVICE)
    now = now or timezone.now()
    minutes = _setting("WISH_SERVICE_MINUTES", 60)
    for position, member in enumerate(served):
        record_create(
            member=member,
            community=wish.community,
            grid=wish.grid,
            source=ServiceSource.WISH,
            source_id=wish.pk,
            category=wish.category,
            content=wish.title,
            started_at=_service_started_at(wish.fulfilled_at),
            ended_at=wish.fulfilled_at,
            credited_minutes=minutes,
            # The residents were served once, however many members went: the first record carries them, so
            # sums of residents served over records count each wish's residents exactly once.
            residents_served=wish.residents_count if position == 0 else 0,
            recorded_by=actor,
            status=RecordStatus.APPROVED,
            decided_by=actor,
            team=claim.team,
        )
    wish.status = WishStatus.CONFIRMED
    wish.confirmed_at = now
    wish.confirmed_by = actor
    wish.rating = rating
    wish.rating_comment = comment
    wish.save(update_fields=["status", "confirmed_at", "confirmed_by", "rating", "rating_comment", "updated_at"])
    _audit(
        actor=actor,
        wish=wish,
        action="confirm",
        before=WishStatus.FULFILLED,
        reason=comment,
        rating=rating,
        members=[m.pk for m in served],
    )
    return wish


# --- closing ----------------------------------------------------------------------------------------------------


@transaction.atomic
def wish_cancel(*, wish, actor, reason, now=None):
    """Community staff withdraw a wish in any open state; an active claim is released with the same reason."""
    require_community_staff(actor, wish.community_id)
    reason = _required_reason(reason)
    wish = _locked(wish)
    _require_state(wish, *OPEN_WISH_STATUSES, required="open")
    before = wish.status
    claim = _current_claim(wish) if before == WishStatus.CLAIMED else None
    if claim is not None:
        _release(claim, now=now or timezone.now(), reason=reason)
    wish.status = WishStatus.CANCELLED
    wish.closed_reason = reason
    wish.save(update_fields=["status", "closed_reason", "updated_at"])
    _audit(actor=actor, wish=wish, action="cancel", before=before, reason=reason)
    return wish


@transaction.atomic
def wish_expire(*, wish, actor=None, now=None):
    """A published wish past its deadline expires. `actor=None` is the scheduler; a person must be its staff."""
    if actor is not None:
        require_community_staff(actor, wish.community_id)
    now = now or timezone.now()
    wish = _locked(wish)
    _require_state(wish, WishStatus.PUBLISHED, required="published")
    if wish.deadline > now:
        raise Conflict("wish_not_due", errors.WISH_NOT_DUE)
    wish.status = WishStatus.EXPIRED
    wish.save(update_fields=["status", "updated_at"])
    _audit(actor=actor, wish=wish, action="expire", before=WishStatus.PUBLISHED)
    notification_events.wish_expired(wish=wish, actor=actor)
    return wish


def wish_expire_due(*, now=None):
    """Expire every published wish past its deadline (the scheduler's job); returns how many expired.

    One transaction per wish: a wish claimed in the meantime is skipped, the rest still expire.
    """
    now = now or timezone.now()
    due = list(Wish.objects.filter(status=WishStatus.PUBLISHED, deadline__lte=now).values_list("pk", flat=True))
    expired = 0
    for pk in due:
        try:
            wish_expire(wish=Wish(pk=pk), now=now)
        except Conflict:
            continue
        expired += 1
    return expired
