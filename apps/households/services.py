"""Every write on household pairing (结对帮扶): one function per verb, each transactional and audited on the
household.

Staff of the household's community record it (with the day its consent was given), edit and close it, pair members
or volunteer teams with it and end pairings. The paired member (or a member of the paired team) registers visits:
a self-registered service (apps.ledger.self_services) and the visit row that ties it to the pairing, together. The
partial unique indexes "one open pairing per household and member / team" turn a double pairing into
`pairing_exists` on every database.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.core.errors import Invalid
from apps.core.text import clean_model_text
from apps.households import errors
from apps.households.models import Household, HouseholdPairing, HouseholdSituation, HouseholdStatus, HouseholdVisit
from apps.households.permissions import is_paired, require_community_staff
from apps.ledger.models import ServiceCategory
from apps.ledger.self_services import PLACE_MAX, self_service_register
from apps.ledger.services import audit_log
from apps.orgs.models import Member
from apps.registrations.models import Registration, RegistrationStatus
from apps.teams import errors as team_errors
from apps.teams.models import Team, TeamStatus
from apps.teams.permissions import may_wind_up_team

# The fields household_update changes.
_HOUSEHOLD_FIELDS = ("grid", "head_name", "phone", "address", "situation", "notes")
# The place a visit's service record names: the community, never the household's address, which stays on the household
# (the member's organ and the statistics read the record; only the community's staff and the paired volunteers need
# the address).
VISIT_PLACE = _("%(community)s paired household visit")


# --- helpers ------------------------------------------------------------------------------------------------------


def _clean_required(field, value, *, code, message):
    value = clean_model_text(Household, field, value)
    if not value:
        raise Invalid(code, message)
    return value


def _clean_fields(fields, *, community_id):
    """The household's fields as stored, checked (only those given)."""
    cleaned = {}
    if "head_name" in fields:
        cleaned["head_name"] = _clean_required(
            "head_name", fields["head_name"], code="head_name_required", message=errors.HEAD_NAME_REQUIRED
        )
    if "address" in fields:
        cleaned["address"] = _clean_required(
            "address", fields["address"], code="address_required", message=errors.ADDRESS_REQUIRED
        )
    if "phone" in fields:
        cleaned["phone"] = clean_model_text(Household, "phone", fields["phone"] or "")
    if "notes" in fields:
        cleaned["notes"] = clean_model_text(Household, "notes", fields["notes"] or "")
    if "situation" in fields:
        if fields["situation"] not in HouseholdSituation.values:
            raise Invalid("situation_invalid", errors.SITUATION_INVALID)
        cleaned["situation"] = fields["situation"]
    if "grid" in fields:
        grid = fields["grid"]
        if grid is not None and grid.community_id != community_id:
            raise Invalid("grid_not_in_community", errors.GRID_NOT_IN_COMMUNITY)
        cleaned["grid"] = grid
    return cleaned


def _reason(reason):
    reason = clean_model_text(HouseholdPairing, "end_reason", reason or "", code="reason_too_long")
    if not reason:
        raise errors.reason_required()
    return reason


def _locked(household):
    """The household re-read under a row lock (on SQLite the IMMEDIATE transaction holds the write lock)."""
    return Household.objects.select_for_update().get(pk=household.pk)


def _require_active(household):
    if household.status != HouseholdStatus.ACTIVE:
        raise errors.household_closed()


def _jsonable(fields):
    return {name: (value.pk if hasattr(value, "pk") else value) for name, value in fields.items()}


def _audit(*, actor, household, action, before=None, after=None, reason=""):
    audit_log(actor=actor, subject=household, action=action, before=before, after=after, reason=reason)


def visit_place(community):
    """The neutral place text of a visit's service (VISIT_PLACE, in the site's language), within the place's
    maximum length."""
    with translation.override(settings.LANGUAGE_CODE):
        place = str(VISIT_PLACE % {"community": community.name})
    return place[:PLACE_MAX]


def member_registered_with(member, community_id):
    """Whether `member` holds a confirmed registration, in force, with the community."""
    return Registration.objects.filter(
        member=member, community_id=community_id, status=RegistrationStatus.CONFIRMED, closed_at__isnull=True
    ).exists()


# --- households ---------------------------------------------------------------------------------------------------


@transaction.atomic
def household_create(
    *, actor, community, head_name, address, situation, consent_on, grid=None, phone="", notes="", now=None
):
    """Record a household of `community` (its staff). Only with its consent: `consent_on`, the day it was given (not
    in the future), is required, and the actor is recorded as who noted it (422 consent_required without)."""
    require_community_staff(actor, community.pk)
    now = now or timezone.now()
    if consent_on is None:
        raise Invalid("consent_required", errors.CONSENT_REQUIRED)
    if consent_on > timezone.localdate(now):
        raise Invalid("consent_in_future", errors.CONSENT_IN_FUTURE)
    fields = _clean_fields(
        {
            "head_name": head_name,
            "address": address,
            "situation": situation,
            "grid": grid,
            "phone": phone,
            "notes": notes,
        },
        community_id=community.pk,
    )
    household = Household.objects.create(
        community=community, consent_on=consent_on, consent_by=actor, created_by=actor, **fields
    )
    _audit(
        actor=actor,
        household=household,
        action="household_create",
        after={"community": community.pk, "situation": fields["situation"], "consent_on": consent_on},
    )
    return household


@transaction.atomic
def household_update(*, actor, household, **fields):
    """Change a household's grid, head's name, phone, address, situation or notes (its community's staff). Only the
    fields given change; a call that changes nothing writes nothing. The audit entry names the fields changed, not
    their personal contents."""
    require_community_staff(actor, household.community_id)
    unknown = set(fields) - set(_HOUSEHOLD_FIELDS)
    if unknown:
        raise ValueError(f"household_update: not a field it changes: {sorted(unknown)}")
    household = _locked(household)
    _require_active(household)
    cleaned = _clean_fields(fields, community_id=household.community_id)
    changed = {}
    for name, value in cleaned.items():
        current = household.grid_id if name == "grid" else getattr(household, name)
        new = value.pk if name == "grid" and value is not None else value
        if current != new:
            changed[name] = value
    if not changed:
        return household
    before = {"situation": household.situation} if "situation" in changed else {}
    for name, value in changed.items():
        setattr(household, name, value)
    household.save(update_fields=[*changed, "updated_at"])
    after = {"fields": sorted(changed)}
    if "situation" in changed:
        after["situation"] = changed["situation"]
    _audit(actor=actor, household=household, action="household_update", before=before, after=after)
    return household


@transaction.atomic
def household_close(*, actor, household, reason, now=None):
    """Close a household's record (its community's staff, with a reason): its open pairings end that day with the
    same reason. The household and its history stay."""
    require_community_staff(actor, household.community_id)
    reason = _reason(reason)
    household = _locked(household)
    _require_active(household)
    now = now or timezone.now()
    ended = HouseholdPairing.objects.filter(household=household, ended_on__isnull=True).update(
        ended_on=timezone.localdate(now), end_reason=reason, updated_at=now
    )
    household.status = HouseholdStatus.CLOSED
    household.closed_at = now
    household.closed_reason = reason
    household.save(update_fields=["status", "closed_at", "closed_reason", "updated_at"])
    _audit(
        actor=actor,
        household=household,
        action="household_close",
        before={"status": HouseholdStatus.ACTIVE},
        after={"status": HouseholdStatus.CLOSED, "pairings_ended": ended},
        reason=reason,
    )
    return household


# --- pairings -----------------------------------------------------------------------------------------------------


@transaction.atomic
def pairing_create(*, actor, household, member=None, team=None, started_on=None, now=None):
    """Pair a member or a volunteer team (exactly one) with an active household (the staff of its community).

    A member must hold a confirmed registration, in force, with the household's community (422
    member_not_in_community); a team must be active (409 team_dissolved); the same member or team paired twice with
    the household: 409 pairing_exists. `started_on` defaults to today and cannot be in the future."""
    require_community_staff(actor, household.community_id)
    if (member is None) == (team is None):
        raise Invalid("pairing_partner_required", errors.PARTNER_REQUIRED)
    now = now or timezone.now()
    today = timezone.localdate(now)
    started_on = started_on or today
    if started_on > today:
        raise Invalid("started_on_invalid", errors.STARTED_ON_INVALID)
    household = _locked(household)
    _require_active(household)
    if member is not None:
        member = Member.objects.filter(pk=member.pk, is_active=True).first()
        if member is None or not member_registered_with(member, household.community_id):
            raise Invalid("member_not_in_community", errors.MEMBER_NOT_IN_COMMUNITY)
    if team is not None and not Team.objects.filter(pk=team.pk, status=TeamStatus.ACTIVE).exists():
        raise errors.team_not_active()
    partner = {"member": member} if member is not None else {"team": team}
    if HouseholdPairing.objects.filter(household=household, ended_on__isnull=True, **partner).exists():
        raise errors.pairing_exists()
    try:
        # A savepoint, so that losing a race for the pairing leaves the outer transaction usable.
        with transaction.atomic():
            pairing = HouseholdPairing.objects.create(
                household=household, started_on=started_on, created_by=actor, **partner
            )
    except IntegrityError as exc:
        raise errors.pairing_exists() from exc
    _audit(
        actor=actor,
        household=household,
        action="pairing_create",
        after={"pairing": pairing.pk, **_jsonable(partner), "started_on": started_on},
    )
    return pairing


@transaction.atomic
def pairing_end(*, actor, pairing, reason, now=None):
    """End an open pairing (the staff of the household's community, with a reason)."""
    require_community_staff(actor, pairing.household.community_id)
    reason = _reason(reason)
    now = now or timezone.now()
    updated = HouseholdPairing.objects.filter(pk=pairing.pk, ended_on__isnull=True).update(
        ended_on=timezone.localdate(now), end_reason=reason, updated_at=now
    )
    if not updated:
        raise errors.pairing_ended()
    pairing.refresh_from_db()
    _audit(
        actor=actor,
        household=pairing.household,
        action="pairing_end",
        after={"pairing": pairing.pk, "ended_on": pairing.ended_on},
        reason=reason,
    )
    return pairing


@transaction.atomic
def pairings_end_of_team(*, team, actor, reason, now=None):
    """End every open pairing of a dissolved team (inside its dissolution, apps.teams.services.team_dissolve: whoever
    dissolved it; None is the system) with the dissolution's reason, each in its household's audit trail. The
    households stay, for their staff to pair someone else. Returns the pairings ended."""
    if not may_wind_up_team(actor, team):
        raise team_errors.not_team_manager()
    reason = _reason(reason)
    now = now or timezone.now()
    ended = []
    open_pairings = HouseholdPairing.objects.filter(team=team, ended_on__isnull=True).select_related("household")
    for pairing in open_pairings.order_by("id"):
        # Conditional, as pairing_end: a pairing ended meanwhile (or by its household's closing) is left alone.
        if not HouseholdPairing.objects.filter(pk=pairing.pk, ended_on__isnull=True).update(
            ended_on=timezone.localdate(now), end_reason=reason, updated_at=now
        ):
            continue
        pairing.refresh_from_db()
        _audit(
            actor=actor,
            household=pairing.household,
            action="pairing_end",
            after={"pairing": pairing.pk, "ended_on": pairing.ended_on, "team_dissolved": team.pk},
            reason=reason,
        )
        ended.append(pairing)
    return ended


# --- visits -------------------------------------------------------------------------------------------------------


@transaction.atomic
def household_visit_register(
    *, actor, pairing, started_at, ended_at, content, residents_served=1, photo=None, now=None
):
    """The paired member (or an active member of the paired team, serving as the team) registers a visit: a pending
    self-registered service at the household's community, category "care_visit", which the community's staff
    approve, adjust or reject like any other; and the visit row tying it to the pairing, in one transaction. The
    service's place is the neutral visit_place of the community: the household's address stays on the household.

    Refused, writing nothing: not paired (403 not_paired), a pairing ended or a household closed (409), a visit
    started before the pairing (422 visit_before_pairing), and everything self_service_register refuses (a time in
    the future or too old, an overlap with another service or an activity the member attended, the daily maximum,
    a bad photo)."""
    if not is_paired(actor, pairing):
        raise errors.not_paired()
    # Lock the pairing row only: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to the team.
    pairing = (
        HouseholdPairing.objects.select_for_update(of=("self",)).select_related("household", "team").get(pk=pairing.pk)
    )
    if pairing.ended_on is not None:
        raise errors.pairing_ended()
    household = pairing.household
    _require_active(household)
    if started_at is not None and timezone.is_aware(started_at):
        if timezone.localdate(started_at) < pairing.started_on:
            raise Invalid("visit_before_pairing", errors.VISIT_BEFORE_PAIRING)
    self_service = self_service_register(
        actor=actor,
        community=household.community,
        grid=household.grid,
        place=visit_place(household.community),
        category=ServiceCategory.CARE_VISIT,
        content=content,
        started_at=started_at,
        ended_at=ended_at,
        residents_served=residents_served,
        photo=photo,
        team=pairing.team,
        now=now,
    )
    visit = HouseholdVisit.objects.create(pairing=pairing, self_service=self_service)
    _audit(
        actor=actor,
        household=household,
        action="household_visit",
        after={"pairing": pairing.pk, "visit": visit.pk, "self_service": self_service.pk},
    )
    return visit
