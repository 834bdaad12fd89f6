"""Every write on registrations (个人报到), standing posts (设岗认岗), organ–community pairings (结对共建) and
community evaluations (社区评价)."""

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import Conflict, Forbidden, Invalid
from apps.core.text import clean_model_text, clean_text
from apps.ledger.services import audit_log
from apps.notifications import events as notification_events
from apps.orgs.models import Organ
from apps.places import errors as place_errors
from apps.places import geocoding
from apps.places.models import RESIDENTIAL_KINDS
from apps.registrations import errors
from apps.registrations.models import (
    ACTIVE_REGISTRATION_STATUSES,
    Evaluation,
    EvaluationGrade,
    Pairing,
    Post,
    PostClaim,
    PostKind,
    Registration,
    RegistrationStatus,
)
from apps.registrations.permissions import (
    may_release_claim,
    require_community_staff,
    require_not_own_evaluation,
    require_organ_reviewer,
)
from apps.registrations.selectors import member_registered_during, require_evaluation_year

_ADDRESS_MAX = Registration._meta.get_field("address").max_length
_REASON_MAX = Registration._meta.get_field("reject_reason").max_length
_TITLE_MAX = Post._meta.get_field("title").max_length
_POST_FIELDS = frozenset({"kind", "title", "description", "capacity"})
_COMMENT_MAX = Evaluation._meta.get_field("comment").max_length
_CODE_ATTEMPTS = 5


# --- registrations ---------------------------------------------------------------------------------------------


def _require_member(member):
    if member is None or not member.is_active:
        raise errors.not_a_member()


def _locate(*, address, latitude, longitude, coord_system):
    """Where the member lives: the geocoded address, or the given point (the address text is then kept as typed)."""
    address = clean_text(
        address, max_length=_ADDRESS_MAX, field="address", code="address_too_long", message=errors.ADDRESS_TOO_LONG
    )
    if not address:
        raise place_errors.address_required()
    if latitude is None and longitude is None:
        return address, geocoding.resolve_address(address, kinds=RESIDENTIAL_KINDS)
    if latitude is None or longitude is None:
        raise place_errors.invalid_coordinates()
    return address, geocoding.resolve_coordinates(
        latitude=latitude, longitude=longitude, coord_system=coord_system, kinds=RESIDENTIAL_KINDS
    )


def _open_registration(member, address, place, now=None, moved_from=None):
    """The pending registration, audited as submitted by the member (where, not the address itself)."""
    try:
        # A savepoint, so that losing the race to the partial unique index leaves the outer transaction usable.
        with transaction.atomic():
            registration = Registration.objects.create(
                member=member,
                community=place.community,
                grid=place.grid,
                address=address,
                latitude=place.latitude,
                longitude=place.longitude,
                status=RegistrationStatus.PENDING,
                submitted_at=now or timezone.now(),
            )
    except IntegrityError as exc:
        raise errors.registration_already_active() from exc
    after = {"status": registration.status, "community": registration.community_id, "grid": registration.grid_id}
    if moved_from is not None:
        after["moved_from"] = moved_from.pk
    audit_log(actor=member.user, subject=registration, action="submit", after=after)
    return registration


def _claim_state(claim, released_at=None):
    return {"claim": claim.pk, "member": claim.member_id, "released_at": released_at}


def _release_claims(claims, *, actor, now, **after):
    """Release these open post claims (each audited on its post); returns how many were released."""
    claims = list(claims.select_related("post"))
    released = PostClaim.objects.filter(pk__in=[c.pk for c in claims], released_at__isnull=True).update(
        released_at=now, updated_at=now
    )
    for claim in claims:
        audit_log(
            actor=actor,
            subject=claim.post,
            action="release",
            before=_claim_state(claim),
            after={**_claim_state(claim, now), **after},
        )
    return released


# Submitting and moving geocode first and only then open the transaction: an external geocoder can take seconds,
# which must not be spent holding row locks (or, on SQLite, the database's single write lock).


def registration_submit(*, member, address, latitude=None, longitude=None, coord_system="wgs84", now=None):
    """Register `member` with the community they live in; pending until the community's staff confirm it.
    `now` (default: the present) is when it was submitted; loaders of past data pass it."""
    _require_member(member)
    address, place = _locate(address=address, latitude=latitude, longitude=longitude, coord_system=coord_system)
    with transaction.atomic():
        if Registration.objects.filter(member=member, status__in=ACTIVE_REGISTRATION_STATUSES).exists():
            raise errors.registration_already_active()
        return _open_registration(member, address, place, now)


def registration_move(*, member, address, latitude=None, longitude=None, coord_system="wgs84"):
    """Moving house: close the active registration as moved and open a pending one at the new address."""
    _require_member(member)
    address, place = _locate(address=address, latitude=latitude, longitude=longitude, coord_system=coord_system)
    with transaction.atomic():
        now = timezone.now()
        current = (
            Registration.objects.select_for_update()
            .filter(member=member, status__in=ACTIVE_REGISTRATION_STATUSES)
            .only("id", "community_id", "status")
            .first()
        )
        if current is not None:
            closed = Registration.objects.filter(pk=current.pk, status__in=ACTIVE_REGISTRATION_STATUSES).update(
                status=RegistrationStatus.MOVED, closed_at=now, updated_at=now
            )
            if closed:
                audit_log(
                    actor=member.user,
                    subject=current,
                    action="move",
                    before={"status": current.status},
                    after={"status": RegistrationStatus.MOVED},
                )
            if closed and current.community_id != place.community.pk:
                # Posts are held by residents: the old community's posts are freed, the claims kept as history.
                open_claims = PostClaim.objects.filter(
                    member=member, post__community_id=current.community_id, released_at__isnull=True
                )
                _release_claims(open_claims, actor=member.user, now=now, registration=current.pk)
        return _open_registration(member, address, place, moved_from=current)


def receipt_number_for(registration, decided_at):
    """Deterministic and unique: one registration is confirmed at most once, and its primary key is unique."""
    prefix = getattr(settings, "REGISTRATION_RECEIPT_PREFIX", "SBD")
    return f"{prefix}-{timezone.localtime(decided_at):%Y}-{registration.pk:06d}"


def new_verification_code():
    """The code of a registration's public validity page: 96 random bits (16 URL-safe characters), so that codes
    cannot be guessed or enumerated; checked against the rows in use, though a collision is practically impossible."""
    for _attempt in range(_CODE_ATTEMPTS):
        code = secrets.token_urlsafe(12)
        if not Registration.objects.filter(verification_code=code).exists():
            return code
    raise RuntimeError("could not draw an unused verification code")


def _decide(registration, *, actor, now, **changes):
    """Move a pending registration on, conditionally, so that two concurrent decisions cannot both win."""
    updated = Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.PENDING).update(
        decided_by=actor, decided_at=now, updated_at=now, **changes
    )
    if not updated:
        raise errors.registration_not_pending()
    registration.refresh_from_db()
    return registration


@transaction.atomic
def registration_confirm(*, registration, actor, now=None):
    """Community staff confirm the registration, which issues its receipt (回执) for the member's organ and the code
    of the public page that tells whether it is in force (the printed certificate's QR code). `now` (default: the
    present) is when they confirmed; loaders of past data pass it."""
    require_community_staff(actor, registration.community_id)
    now = now or timezone.now()
    registration = _decide(
        registration,
        actor=actor,
        now=now,
        status=RegistrationStatus.CONFIRMED,
        receipt_number=receipt_number_for(registration, now),
        verification_code=new_verification_code(),
    )
    audit_log(
        actor=actor,
        subject=registration,
        action="confirm",
        before={"status": RegistrationStatus.PENDING},
        after={"status": registration.status, "receipt_number": registration.receipt_number},
    )
    # Notification (issue #6): tell the member, in this transaction; e-mailed once it commits.
    notification_events.registration_confirmed(registration=registration, actor=actor)
    return registration


@transaction.atomic
def registration_reject(*, registration, actor, reason):
    require_community_staff(actor, registration.community_id)
    reason = clean_text(
        reason, max_length=_REASON_MAX, field="reason", code="reason_too_long", message=errors.REASON_TOO_LONG
    )
    if not reason:
        raise Invalid("reason_required", errors.REASON_REQUIRED)
    registration = _decide(
        registration, actor=actor, now=timezone.now(), status=RegistrationStatus.REJECTED, reject_reason=reason
    )
    audit_log(
        actor=actor,
        subject=registration,
        action="reject",
        before={"status": RegistrationStatus.PENDING},
        after={"status": registration.status},
        reason=reason,
    )
    return registration


@transaction.atomic
def registration_withdraw(*, registration, actor):
    """The member takes back a registration nobody has decided on yet."""
    if actor.pk != registration.member.user_id:
        raise Forbidden("not_registration_owner", errors.NOT_REGISTRATION_OWNER)
    now = timezone.now()
    updated = Registration.objects.filter(pk=registration.pk, status=RegistrationStatus.PENDING).update(
        status=RegistrationStatus.WITHDRAWN, closed_at=now, updated_at=now
    )
    if not updated:
        raise errors.registration_not_pending()
    registration.refresh_from_db()
    audit_log(
        actor=actor,
        subject=registration,
        action="withdraw",
        before={"status": RegistrationStatus.PENDING},
        after={"status": registration.status},
    )
    return registration


# --- standing posts --------------------------------------------------------------------------------------------


def _clean_post_fields(fields):
    cleaned = dict(fields)
    if "kind" in cleaned and cleaned["kind"] not in PostKind.values:
        raise Invalid("post_kind_invalid", errors.POST_KIND_INVALID)
    if "title" in cleaned:
        cleaned["title"] = clean_text(
            cleaned["title"], max_length=_TITLE_MAX, field="title", code="title_too_long", message=errors.TITLE_TOO_LONG
        )
        if not cleaned["title"]:
            raise Invalid("title_required", errors.TITLE_REQUIRED)
    if "description" in cleaned:
        cleaned["description"] = clean_model_text(Post, "description", cleaned["description"])
    if "capacity" in cleaned:
        capacity = cleaned["capacity"]
        if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
            raise Invalid("capacity_invalid", errors.CAPACITY_INVALID)
    return cleaned


def _title_taken(community_id, title, exclude_pk=None):
    return Post.objects.filter(community_id=community_id, title=title).exclude(pk=exclude_pk).exists()


def _save_post(post, update_fields=None):
    try:
        with transaction.atomic():
            post.save(update_fields=update_fields)
    except IntegrityError as exc:  # a concurrent post with the same title
        raise errors.post_title_taken() from exc
    return post


@transaction.atomic
def post_create(*, actor, community, kind, title, description="", capacity=None):
    require_community_staff(actor, community.pk)
    cleaned = _clean_post_fields({"kind": kind, "title": title, "description": description, "capacity": capacity})
    if _title_taken(community.pk, cleaned["title"]):
        raise errors.post_title_taken()
    post = _save_post(Post(community=community, **cleaned))
    after = {"community": community.pk, "kind": post.kind, "title": post.title, "capacity": post.capacity}
    audit_log(actor=actor, subject=post, action="create", after=after)
    return post


@transaction.atomic
def post_update(*, actor, post, **fields):
    """Change a post's kind, title, description or capacity; the capacity never drops below its current holders."""
    unknown = set(fields) - _POST_FIELDS
    if unknown:
        raise TypeError(f"post_update() got unexpected fields: {', '.join(sorted(unknown))}")
    require_community_staff(actor, post.community_id)
    cleaned = _clean_post_fields(fields)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if "title" in cleaned and _title_taken(post.community_id, cleaned["title"], exclude_pk=post.pk):
        raise errors.post_title_taken()
    if cleaned.get("capacity") is not None:
        holders = post.claims.filter(released_at__isnull=True).count()
        if cleaned["capacity"] < holders:
            raise Conflict("post_capacity_below_claims", errors.POST_CAPACITY_BELOW_CLAIMS)
    before = {name: getattr(post, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(post, name, value)
    post = _save_post(post, update_fields=[*cleaned, "updated_at"])
    audit_log(actor=actor, subject=post, action="update", before=before, after=cleaned)
    return post


@transaction.atomic
def post_deactivate(*, actor, post):
    """Retire a post; its holders are released (the claims stay as history)."""
    require_community_staff(actor, post.community_id)
    now = timezone.now()
    if not Post.objects.filter(pk=post.pk, is_active=True).update(is_active=False, updated_at=now):
        raise Conflict("post_inactive", errors.POST_INACTIVE)
    released = PostClaim.objects.filter(post_id=post.pk, released_at__isnull=True).update(
        released_at=now, updated_at=now
    )
    post.refresh_from_db()
    audit_log(
        actor=actor,
        subject=post,
        action="deactivate",
        before={"is_active": True},
        after={"is_active": False, "claims_released": released},
    )
    return post


@transaction.atomic
def post_claim(*, post, member, now=None):
    """A member registered (and confirmed) in the post's community takes up the post, within its capacity. `now`
    (default: the present) is when; loaders of past data pass it."""
    _require_member(member)
    # The lock serialises claims on one post (on SQLite the IMMEDIATE transaction does), so the count stays true.
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not post.is_active:
        raise Conflict("post_inactive", errors.POST_INACTIVE)
    registered = Registration.objects.filter(
        member=member, community_id=post.community_id, status=RegistrationStatus.CONFIRMED
    ).exists()
    if not registered:
        raise Forbidden("not_registered_here", errors.NOT_REGISTERED_HERE)
    open_claims = PostClaim.objects.filter(post=post, released_at__isnull=True)
    if open_claims.filter(member=member).exists():
        raise errors.post_already_claimed()
    if post.capacity is not None and open_claims.count() >= post.capacity:
        raise Conflict("post_full", errors.POST_FULL)
    try:
        with transaction.atomic():
            claim = PostClaim.objects.create(post=post, member=member, claimed_at=now or timezone.now())
    except IntegrityError as exc:
        raise errors.post_already_claimed() from exc
    audit_log(actor=member.user, subject=post, action="claim", after=_claim_state(claim))
    return claim


@transaction.atomic
def post_release(*, claim, actor):
    """The holder gives the post up, or the community's staff take it back."""
    if not may_release_claim(actor, claim):
        raise Forbidden("not_claim_holder", errors.NOT_CLAIM_HOLDER)
    now = timezone.now()
    if not PostClaim.objects.filter(pk=claim.pk, released_at__isnull=True).update(released_at=now, updated_at=now):
        raise Conflict("claim_already_released", errors.CLAIM_ALREADY_RELEASED)
    claim.refresh_from_db()
    audit_log(
        actor=actor, subject=claim.post, action="release", before=_claim_state(claim), after=_claim_state(claim, now)
    )
    return claim


# --- pairings --------------------------------------------------------------------------------------------------


def _overlapping(organ_id, community_id, starts_on, ends_on):
    q = Q(organ_id=organ_id, community_id=community_id) & (Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        q &= Q(starts_on__lte=ends_on)
    return Pairing.objects.filter(q)


@transaction.atomic
def pairing_create(*, actor, organ, community, starts_on, ends_on=None, party_org=None, projects=""):
    """Pair an organ (optionally through one of its Party orgs) with a community for a period."""
    require_organ_reviewer(actor, organ.pk)
    if party_org is not None and party_org.organ_id != organ.pk:
        raise Invalid("party_org_not_in_organ", errors.PARTY_ORG_NOT_IN_ORGAN)
    if ends_on is not None and ends_on < starts_on:
        raise errors.pairing_dates_invalid()
    # Locking the organ serialises its pairings, so two overlapping ones cannot slip in side by side.
    Organ.objects.select_for_update().only("pk").get(pk=organ.pk)
    if _overlapping(organ.pk, community.pk, starts_on, ends_on).exists():
        raise Conflict("pairing_exists", errors.PAIRING_EXISTS)
    pairing = Pairing.objects.create(
        organ=organ,
        party_org=party_org,
        community=community,
        starts_on=starts_on,
        ends_on=ends_on,
        projects=clean_model_text(Pairing, "projects", projects),
        created_by=actor,
    )
    after = {
        "organ": organ.pk,
        "party_org": party_org.pk if party_org else None,
        "community": community.pk,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    audit_log(actor=actor, subject=pairing, action="create", after=after)
    return pairing


@transaction.atomic
def pairing_end(*, actor, pairing, ends_on):
    """End a pairing on `ends_on` (not before it started, not after an end already set)."""
    require_organ_reviewer(actor, pairing.organ_id)
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.ends_on is not None and pairing.ends_on < timezone.localdate():
        raise Conflict("pairing_already_ended", errors.PAIRING_ALREADY_ENDED)
    if ends_on < pairing.starts_on or (pairing.ends_on is not None and ends_on > pairing.ends_on):
        raise errors.pairing_dates_invalid()
    before = {"ends_on": pairing.ends_on}
    pairing.ends_on = ends_on
    pairing.save(update_fields=["ends_on", "updated_at"])
    audit_log(actor=actor, subject=pairing, action="end", before=before, after={"ends_on": ends_on})
    return pairing


# --- evaluations -----------------------------------------------------------------------------------------------


def _clean_comment(grade, comment):
    comment = clean_text(
        comment,
        max_length=_COMMENT_MAX,
        field="comment",
        code="evaluation_comment_too_long",
        message=errors.EVALUATION_COMMENT_TOO_LONG,
    )
    if grade == EvaluationGrade.NOT_COMPETENT and not comment:
        raise Invalid("evaluation_comment_required", errors.EVALUATION_COMMENT_REQUIRED)
    return comment


def _evaluation_state(evaluation):
    return {"grade": evaluation.grade, "comment": evaluation.comment}


def _locked_evaluation(member, community, year):
    return Evaluation.objects.select_for_update().filter(member=member, community=community, year=year).first()


@transaction.atomic
def evaluation_submit(*, actor, member, community, year, grade, comment=""):
    """The community's staff rate a member registered with it for `year` (社区评价), or revise their rating.

    One evaluation per member, community and year: a second submission revises it (the reviser becomes
    `evaluated_by`), and one that changes nothing writes nothing. Returns `(evaluation, created)`.
    """
    require_community_staff(actor, community.pk)
    require_not_own_evaluation(actor, member)
    require_evaluation_year(year)
    if grade not in EvaluationGrade.values:
        raise Invalid("evaluation_grade_invalid", errors.EVALUATION_GRADE_INVALID)
    comment = _clean_comment(grade, comment)
    if not member_registered_during(member=member, community=community, year=year):
        raise Invalid("member_not_registered_here", errors.MEMBER_NOT_REGISTERED_HERE)

    now = timezone.now()
    evaluation = _locked_evaluation(member, community, year)
    if evaluation is None:
        try:
            # A savepoint: if a concurrent submission inserted the row first, the unique constraint stops this one
            # and the outer transaction carries on to revise that row instead of failing.
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    member=member,
                    community=community,
                    year=year,
                    grade=grade,
                    comment=comment,
                    evaluated_by=actor,
                    evaluated_at=now,
                )
        except IntegrityError:
            evaluation = _locked_evaluation(member, community, year)
            if evaluation is None:  # not the unique constraint after all
                raise
        else:
            audit_log(
                actor=actor,
                subject=evaluation,
                action="evaluate",
                after={"member": member.pk, "community": community.pk, "year": year, **_evaluation_state(evaluation)},
            )
            return evaluation, True

    before = _evaluation_state(evaluation)
    if before == {"grade": grade, "comment": comment}:
        return evaluation, False
    evaluation.grade, evaluation.comment = grade, comment
    evaluation.evaluated_by, evaluation.evaluated_at = actor, now
    evaluation.save(update_fields=["grade", "comment", "evaluated_by", "evaluated_at", "updated_at"])
    audit_log(actor=actor, subject=evaluation, action="revise", before=before, after=_evaluation_state(evaluation))
    return evaluation, False
