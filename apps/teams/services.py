"""Every write on volunteer teams: one function per verb, each transactional and audited on the team.

A team is formed with its leader as its first member; members apply, the leader (or whoever manages the team)
accepts or declines; members leave, the leader removes; the organ sets a new leader and dissolves the team, which
ends every membership and lets go of what the team holds (its wish claims, its sign-ups, its household pairings).
Writes lock the team's row first (so a dissolution and a decision do not cross), change a membership by a
conditional UPDATE or under its row lock, and the partial unique index "one applied-or-active membership per team
and member" turns a double application into `team_already_joined`, on every database.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.scope import forget_scope, scope_for
from apps.activities import services as activity_services
from apps.activities.models import ACTIVE_SIGNUP_STATUSES, ActivityStatus, SignUp
from apps.core.errors import Conflict, Forbidden, Invalid
from apps.core.text import clean_model_text
from apps.households.services import pairings_end_of_team
from apps.ledger.services import audit_log
from apps.notifications import events as notification_events
from apps.orgs.models import Member
from apps.teams import errors
from apps.teams.models import (
    OPEN_MEMBERSHIP_STATUSES,
    MembershipStatus,
    Team,
    TeamMembership,
    TeamSpecialty,
    TeamStatus,
)
from apps.teams.permissions import require_decide, require_form_team, require_manage_team
from apps.teams.selectors import team_manager_users
from apps.wishes import services as wish_services
from apps.wishes.models import ClaimStatus, WishClaim

# The fields team_update changes.
_TEAM_FIELDS = ("name", "specialty", "description")


# --- helpers ------------------------------------------------------------------------------------------------------


def _clean_name(name):
    name = clean_model_text(Team, "name", name)
    if not name:
        raise Invalid("name_required", errors.NAME_REQUIRED)
    return name


def _clean_specialty(specialty):
    if specialty not in TeamSpecialty.values:
        raise Invalid("specialty_invalid", errors.SPECIALTY_INVALID)
    return specialty


def _reason(reason, *, required=False):
    reason = clean_model_text(TeamMembership, "reason", reason, code="reason_too_long")
    if required and not reason:
        raise errors.reason_required()
    return reason


def _acting_member(actor):
    """The actor's active member profile, or 403 not_a_member."""
    scope = scope_for(actor)
    member = Member.objects.filter(pk=scope.member_id, is_active=True).first() if scope.member_id else None
    if member is None:
        raise errors.not_a_member()
    return member


def _locked(team):
    """The team re-read under a row lock (on SQLite the IMMEDIATE transaction already holds the write lock)."""
    return Team.objects.select_for_update().get(pk=team.pk)


def _require_active(team):
    if team.status != TeamStatus.ACTIVE:
        raise errors.team_dissolved()


def _require_name_free(organ_id, name, *, exclude_pk=None):
    if Team.objects.filter(organ_id=organ_id, name=name).exclude(pk=exclude_pk).exists():
        raise Conflict("team_name_taken", errors.TEAM_NAME_TAKEN)


def _latest_status(team, member):
    status = (
        TeamMembership.objects.filter(team=team, member=member).order_by("-id").values_list("status", flat=True).first()
    )
    return {"status": status} if status else {}


def _leadership_changed(*members):
    """A user's scope knows the teams they lead (Scope.led_team_ids): drop it where it is held on these members' user
    objects (without reading a user that is not loaded)."""
    for member in members:
        if member is not None and Member._meta.get_field("user").is_cached(member):
            forget_scope(member.user)


def _cached(obj, field):
    """obj.<field> if it is loaded already, else None (no query)."""
    return getattr(obj, field) if type(obj)._meta.get_field(field).is_cached(obj) else None


def _audit(*, actor, team, action, member=None, before=None, after=None, reason=""):
    after = dict(after or {})
    if member is not None:
        after["member"] = member.pk
    audit_log(actor=actor, subject=team, action=action, before=before, after=after, reason=reason)


# --- the team -----------------------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor, organ, name, specialty, leader, party_org=None, description="", now=None):
    """Form a team of `organ` (through `party_org`, one of its Party organizations, if given) led by `leader`, an
    active member of the organ, who becomes its first member. The organ's reviewers form any team of the organ; a
    branch secretary forms teams through a Party organization they lead."""
    require_form_team(actor, organ=organ, party_org=party_org)
    if party_org is not None and party_org.organ_id != organ.pk:
        raise Invalid("party_org_not_in_organ", errors.PARTY_ORG_NOT_IN_ORGAN)
    name = _clean_name(name)
    specialty = _clean_specialty(specialty)
    description = clean_model_text(Team, "description", description)
    given = leader
    leader = Member.objects.filter(pk=leader.pk, is_active=True, organ_id=organ.pk).first()
    if leader is None:
        raise Invalid("leader_not_in_organ", errors.LEADER_NOT_IN_ORGAN)
    _require_name_free(organ.pk, name)
    now = now or timezone.now()
    try:
        # A savepoint, so that losing a race for the name leaves the outer transaction usable.
        with transaction.atomic():
            team = Team.objects.create(
                organ=organ,
                party_org=party_org,
                name=name,
                specialty=specialty,
                description=description,
                leader=leader,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict("team_name_taken", errors.TEAM_NAME_TAKEN) from exc
    TeamMembership.objects.create(
        team=team, member=leader, status=MembershipStatus.ACTIVE, joined_at=now, decided_by=actor, decided_at=now
    )
    _audit(
        actor=actor,
        team=team,
        action="team_create",
        after={
            "name": name,
            "specialty": specialty,
            "organ": organ.pk,
            "party_org": party_org.pk if party_org else None,
            "leader": leader.pk,
        },
    )
    _leadership_changed(given, leader)
    return team


@transaction.atomic
def team_update(*, actor, team, **fields):
    """Change a team's name, specialty or description (whoever manages it). Only the fields given change; a call
    that changes nothing writes nothing."""
    require_manage_team(actor, team)
    unknown = set(fields) - set(_TEAM_FIELDS)
    if unknown:
        raise ValueError(f"team_update: not a field it changes: {sorted(unknown)}")
    team = _locked(team)
    _require_active(team)
    if "name" in fields:
        fields["name"] = _clean_name(fields["name"])
        _require_name_free(team.organ_id, fields["name"], exclude_pk=team.pk)
    if "specialty" in fields:
        fields["specialty"] = _clean_specialty(fields["specialty"])
    if "description" in fields:
        fields["description"] = clean_model_text(Team, "description", fields["description"])
    changed = {name: value for name, value in fields.items() if getattr(team, name) != value}
    if not changed:
        return team
    before = {name: getattr(team, name) for name in changed}
    for name, value in changed.items():
        setattr(team, name, value)
    team.save(update_fields=[*changed, "updated_at"])
    _audit(actor=actor, team=team, action="team_update", before=before, after=changed)
    return team


def _release_claims(team, *, actor, reason, now):
    """The team's open claims on wishes go back (apps.wishes.services.wish_release, as a claimant's release: the wish
    is published again); the team's last leader is told. Returns how many."""
    leader = team.leader
    claims = WishClaim.objects.filter(team=team, status=ClaimStatus.ACTIVE).select_related("wish", "team")
    released = 0
    for claim in claims.order_by("id"):
        wish_services.wish_release(wish=claim.wish, actor=actor, reason=reason, now=now)
        notification_events.team_claim_released(claim=claim, leader=leader, actor=actor)
        released += 1
    return released


def _cancel_signups(team, *, actor, reason, now):
    """The sign-ups the team's leader made for activities still to come go (apps.activities.services.signup_cancel:
    the place is freed and the waitlist moves up); each member is told. A member already checked in keeps theirs.
    Returns how many."""
    future = SignUp.objects.filter(
        team=team,
        status__in=ACTIVE_SIGNUP_STATUSES,
        starts_at__gt=now,
        checked_in_at__isnull=True,
        activity__status__in=(ActivityStatus.OPEN, ActivityStatus.CLOSED),
    ).select_related("activity", "member__user", "team")
    cancelled = 0
    for signup in future.order_by("starts_at", "id"):
        activity_services.signup_cancel(signup=signup, actor=actor, reason=reason, now=now)
        notification_events.team_signup_cancelled(signup=signup, actor=actor)
        cancelled += 1
    return cancelled


@transaction.atomic
def team_dissolve(*, actor, team, reason, now=None):
    """Dissolve a team (whoever manages it; a reason is required). Every member's membership ends at that moment
    (`ended`) and waiting applications are declined; the team and its history stay. What the team holds is let go
    in the same transaction, with the same reason: its open wish claims are released (the wishes are published
    again), its sign-ups for activities still to come are cancelled (places freed, the waitlist promoted), and its
    open household pairings end."""
    require_manage_team(actor, team)
    reason = _reason(reason, required=True)
    team = _locked(team)
    _require_active(team)
    now = now or timezone.now()
    ended = TeamMembership.objects.filter(team=team, status=MembershipStatus.ACTIVE).update(
        status=MembershipStatus.ENDED, left_at=now, updated_at=now
    )
    declined = TeamMembership.objects.filter(team=team, status=MembershipStatus.APPLIED).update(
        status=MembershipStatus.DECLINED, decided_by=actor, decided_at=now, reason=reason, updated_at=now
    )
    _leadership_changed(_cached(team, "leader"))
    team.status = TeamStatus.DISSOLVED
    team.dissolved_at = now
    team.dissolved_reason = reason
    team.save(update_fields=["status", "dissolved_at", "dissolved_reason", "updated_at"])
    # Dissolved first: the services below let whoever dissolved the team act for it (may_wind_up_team).
    released = _release_claims(team, actor=actor, reason=reason, now=now)
    cancelled = _cancel_signups(team, actor=actor, reason=reason, now=now)
    pairings = pairings_end_of_team(team=team, actor=actor, reason=reason, now=now)
    _audit(
        actor=actor,
        team=team,
        action="team_dissolve",
        before={"status": TeamStatus.ACTIVE},
        after={
            "status": TeamStatus.DISSOLVED,
            "memberships_ended": ended,
            "applications_declined": declined,
            "claims_released": released,
            "signups_cancelled": cancelled,
            "pairings_ended": len(pairings),
        },
        reason=reason,
    )
    return team


@transaction.atomic
def team_leader_set(*, actor, team, member):
    """Make `member`, an active member of the team, its leader (whoever manages the team), also when the team has
    none since its leader left. The former leader stays a member (and may then leave)."""
    require_manage_team(actor, team)
    team = _locked(team)
    _require_active(team)
    if team.leader_id == member.pk:
        raise Conflict("already_leader", errors.ALREADY_LEADER)
    in_team = TeamMembership.objects.filter(
        team=team, member=member, status=MembershipStatus.ACTIVE, member__is_active=True
    ).exists()
    if not in_team:
        raise Invalid("leader_not_team_member", errors.LEADER_NOT_IN_TEAM)
    before = {"leader": team.leader_id}
    _leadership_changed(_cached(team, "leader"), member)
    team.leader = member
    team.save(update_fields=["leader", "updated_at"])
    _audit(actor=actor, team=team, action="team_leader_set", before=before, after={"leader": member.pk})
    return team


# --- members who leave their organ or the service -----------------------------------------------------------------


def _membership_leave(membership, *, now, reason):
    """End a membership (an application withdrawn never began: no leaving day); returns the status it had."""
    before = membership.status
    membership.status = MembershipStatus.LEFT
    membership.left_at = now if membership.joined_at else None
    membership.reason = reason
    membership.save(update_fields=["status", "left_at", "reason", "updated_at"])
    return before


@transaction.atomic
def team_memberships_end(*, member, actor=None, reason="", now=None):
    """A team keeps members of its own organ only: end `member`'s open memberships (applications withdrawn, members
    leaving: `left`) in every team when they are no longer in service, and in the teams of other organs than theirs
    when they moved to another organ. Called by apps.orgs.services (member_move, member_set_active) in their
    transaction, after the change; `actor` is who made it. A move within the organ, or moving house (the
    registration), changes no team.

    A member who led such a team leaves it without a leader (`leader` empty): its managers are told
    (notification_events.team_needs_leader), and until they set a new one (team_leader_set) the team claims no
    wishes and signs nobody up. Its claims and sign-ups stay: the new leader takes them over. Returns the
    memberships ended."""
    member = Member.objects.get(pk=member.pk)
    reason = _reason(reason)
    now = now or timezone.now()
    open_rows = TeamMembership.objects.filter(member=member, status__in=OPEN_MEMBERSHIP_STATUSES)
    if member.is_active:
        open_rows = open_rows.exclude(team__organ_id=member.organ_id)
    ended = []
    # The teams' rows first, in one order (as every team write does), then each membership under its team's lock.
    for team in Team.objects.select_for_update().filter(pk__in=open_rows.values("team_id")).order_by("pk"):
        membership = open_rows.filter(team=team).first()
        if membership is None:
            continue
        before = _membership_leave(membership, now=now, reason=reason)
        _audit(
            actor=actor,
            team=team,
            action="team_member_gone",
            member=member,
            before={"status": before},
            after={"status": MembershipStatus.LEFT, "member_active": member.is_active, "organ": member.organ_id},
            reason=reason,
        )
        if team.leader_id == member.pk:
            _leader_gone(team, membership=membership, actor=actor, inactive=not member.is_active)
        ended.append(membership)
    return ended


def _leader_gone(team, *, membership, actor, inactive):
    _leadership_changed(_cached(membership, "member"))
    team.leader = None
    team.save(update_fields=["leader", "updated_at"])
    _audit(actor=actor, team=team, action="team_leader_gone", before={"leader": membership.member_id})
    notification_events.team_needs_leader(
        team=team, membership=membership, users=team_manager_users(team), inactive=inactive
    )


# --- memberships --------------------------------------------------------------------------------------------------


@transaction.atomic
def team_apply(*, actor, team, now=None):
    """The acting member applies to join a team of their own organ. Already applied or in the team:
    409 team_already_joined, also when two applications race (the partial unique index decides)."""
    member = _acting_member(actor)
    team = _locked(team)
    if member.organ_id != team.organ_id:
        raise Forbidden("team_other_organ", errors.OTHER_ORGAN)
    _require_active(team)
    if TeamMembership.objects.filter(team=team, member=member, status__in=OPEN_MEMBERSHIP_STATUSES).exists():
        raise errors.team_already_joined()
    now = now or timezone.now()
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(
                team=team, member=member, status=MembershipStatus.APPLIED, applied_at=now
            )
    except IntegrityError as exc:
        raise errors.team_already_joined() from exc
    _audit(actor=actor, team=team, action="team_apply", member=member, after={"status": MembershipStatus.APPLIED})
    return membership


def _decide(*, actor, team, member, status, reason, now):
    require_decide(actor, team)
    team = _locked(team)
    _require_active(team)
    now = now or timezone.now()
    fields = {"status": status, "decided_by": actor, "decided_at": now, "reason": reason, "updated_at": now}
    if status == MembershipStatus.ACTIVE:
        fields["joined_at"] = now
    won = TeamMembership.objects.filter(team=team, member=member, status=MembershipStatus.APPLIED).update(**fields)
    if not won:
        raise Conflict("not_an_applicant", errors.NOT_AN_APPLICANT, extra=_latest_status(team, member))
    return team, TeamMembership.objects.filter(team=team, member=member).order_by("-id").first()


@transaction.atomic
def team_accept(*, actor, team, member, now=None):
    """Accept `member`'s application (the leader, or whoever manages the team): from now on a member of the team."""
    team, membership = _decide(
        actor=actor, team=team, member=member, status=MembershipStatus.ACTIVE, reason="", now=now
    )
    _audit(
        actor=actor,
        team=team,
        action="team_accept",
        member=member,
        before={"status": MembershipStatus.APPLIED},
        after={"status": MembershipStatus.ACTIVE},
    )
    return membership


@transaction.atomic
def team_decline(*, actor, team, member, reason="", now=None):
    """Decline `member`'s application (the leader, or whoever manages the team); the reason is optional."""
    reason = _reason(reason)
    team, membership = _decide(
        actor=actor, team=team, member=member, status=MembershipStatus.DECLINED, reason=reason, now=now
    )
    _audit(
        actor=actor,
        team=team,
        action="team_decline",
        member=member,
        before={"status": MembershipStatus.APPLIED},
        after={"status": MembershipStatus.DECLINED},
        reason=reason,
    )
    return membership


@transaction.atomic
def team_leave(*, actor, team, reason="", now=None):
    """The acting member leaves the team, or withdraws an application still waiting. The leader cannot leave until
    the organ has set a new leader (409 leader_cannot_leave)."""
    member = _acting_member(actor)
    reason = _reason(reason)
    team = _locked(team)
    membership = (
        TeamMembership.objects.select_for_update()
        .filter(team=team, member=member, status__in=OPEN_MEMBERSHIP_STATUSES)
        .first()
    )
    if membership is None:
        raise Conflict("not_in_team", errors.YOU_ARE_NOT_IN_TEAM, extra=_latest_status(team, member))
    if team.leader_id == member.pk:
        raise Conflict("leader_cannot_leave", errors.LEADER_CANNOT_LEAVE)
    before = _membership_leave(membership, now=now or timezone.now(), reason=reason)
    _audit(
        actor=actor,
        team=team,
        action="team_leave",
        member=member,
        before={"status": before},
        after={"status": MembershipStatus.LEFT},
        reason=reason,
    )
    return membership


@transaction.atomic
def team_remove(*, actor, team, member, reason, now=None):
    """Remove a member from the team (the leader, or whoever manages the team; a reason is required). The leader
    cannot be removed: the organ sets a new leader first."""
    require_decide(actor, team)
    reason = _reason(reason, required=True)
    team = _locked(team)
    _require_active(team)
    membership = (
        TeamMembership.objects.select_for_update()
        .filter(team=team, member=member, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None:
        raise Conflict("not_in_team", errors.NOT_IN_TEAM, extra=_latest_status(team, member))
    if team.leader_id == member.pk:
        raise Conflict("leader_cannot_be_removed", errors.LEADER_CANNOT_BE_REMOVED)
    now = now or timezone.now()
    membership.status = MembershipStatus.REMOVED
    membership.left_at = now
    membership.decided_by = actor
    membership.decided_at = now
    membership.reason = reason
    membership.save(update_fields=["status", "left_at", "decided_by", "decided_at", "reason", "updated_at"])
    _audit(
        actor=actor,
        team=team,
        action="team_remove",
        member=member,
        before={"status": MembershipStatus.ACTIVE},
        after={"status": MembershipStatus.REMOVED},
        reason=reason,
    )
    return membership
