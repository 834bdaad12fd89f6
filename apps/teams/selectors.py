"""Reads on volunteer teams: lists scoped to the user, rosters (now or at a past moment), a member's teams."""

from django.db.models import Count, Exists, OuterRef, Q

from apps.accounts.models import Role, User
from apps.accounts.scope import scope_for
from apps.orgs.models import Member
from apps.teams.models import OPEN_MEMBERSHIP_STATUSES, MembershipStatus, Team, TeamMembership, TeamStatus
from apps.teams.permissions import team_managed_q, team_visible_q


def _with_counts(teams):
    return teams.select_related("organ", "party_org", "leader__user").annotate(
        member_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE)),
        application_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.APPLIED)),
    )


def team_list(*, user):
    """The teams `user` may see (apps.teams.permissions.team_visible_q), with `member_count` and
    `application_count`, active teams first, then by organ and name."""
    teams = Team.objects.filter(team_visible_q(user))
    return _with_counts(teams).order_by("status", "organ__name", "name", "id")


def team_get(*, user, pk):
    """One team as `user` sees it, or None outside their scope."""
    return team_list(user=user).filter(pk=pk).first()


def team_with_counts(*, pk):
    """One team with `member_count` and `application_count`, whoever asks (for answering a write's caller)."""
    return _with_counts(Team.objects.filter(pk=pk)).get()


def team_list_managed(*, user):
    """The teams `user` manages (forms, edits, dissolves, sets the leader of)."""
    return team_list(user=user).filter(team_managed_q(user))


def team_membership_list(*, user):
    """The memberships of the teams `user` may see (a page's button addresses one by its id)."""
    return TeamMembership.objects.filter(team__in=Team.objects.filter(team_visible_q(user))).select_related(
        "team__party_org", "member__user"
    )


def team_members(team, *, at=None):
    """The members of `team`: its active members now, or (`at`, an aware datetime) those who were active members at
    that moment (joined at or before it, not yet left)."""
    if at is None:
        rows = TeamMembership.objects.filter(team=team, member=OuterRef("pk"), status=MembershipStatus.ACTIVE)
    else:
        rows = TeamMembership.objects.filter(_active_at_q(at), team=team, member=OuterRef("pk"))
    return Member.objects.filter(Exists(rows)).select_related("user", "branch").order_by("user__name", "id")


def _active_at_q(at):
    """Q on TeamMembership: an active member at the moment `at`."""
    return Q(joined_at__isnull=False, joined_at__lte=at) & (Q(left_at__isnull=True) | Q(left_at__gt=at))


def team_roster(team):
    """The team's active memberships (the leader first), with their members."""
    return (
        TeamMembership.objects.filter(team=team, status=MembershipStatus.ACTIVE)
        .select_related("member__user", "member__branch")
        .order_by("joined_at", "id")
    )


def team_applications(team):
    """The applications waiting for the leader's decision, oldest first."""
    return (
        TeamMembership.objects.filter(team=team, status=MembershipStatus.APPLIED)
        .select_related("member__user", "member__branch")
        .order_by("applied_at", "id")
    )


def teams_of_member(member):
    """The teams `member` is an active member of now."""
    rows = TeamMembership.objects.filter(team=OuterRef("pk"), member=member, status=MembershipStatus.ACTIVE)
    return Team.objects.filter(Exists(rows)).select_related("organ", "leader__user").order_by("name", "id")


def teams_of_member_at(member, at):
    """The teams `member` was an active member of at the moment `at` (an aware datetime), whatever happened since:
    what a service done at `at` is attributed to."""
    rows = TeamMembership.objects.filter(_active_at_q(at), team=OuterRef("pk"), member=member)
    return Team.objects.filter(Exists(rows)).order_by("name", "id")


def my_membership(*, user, team):
    """The user's open membership of `team` (applied or active), or None."""
    scope = scope_for(user)
    if scope.member_id is None:
        return None
    return TeamMembership.objects.filter(
        team=team, member_id=scope.member_id, status__in=OPEN_MEMBERSHIP_STATUSES
    ).first()


def organ_teams_for_member(*, user):
    """The active teams of the member's own organ (the teams they may apply to)."""
    scope = scope_for(user)
    if scope.member_id is None:
        return Team.objects.none()
    return team_list(user=user).filter(organ_id=scope.member_organ_id, status=TeamStatus.ACTIVE)


def teams_led(*, user):
    """The active teams the user leads (those they claim wishes and sign up for activities for), by name; none for a
    user without a member profile."""
    scope = scope_for(user)
    if scope.member_id is None:
        return Team.objects.none()
    return Team.objects.filter(leader_id=scope.member_id, status=TeamStatus.ACTIVE).order_by("name", "id")


def my_open_memberships(*, user):
    """The user's open memberships (applied or active), none for a user without a member profile."""
    scope = scope_for(user)
    if scope.member_id is None:
        return TeamMembership.objects.none()
    return (
        TeamMembership.objects.filter(member_id=scope.member_id, status__in=OPEN_MEMBERSHIP_STATUSES)
        .select_related("team__organ", "team__leader__user", "member__user", "member__branch")
        .order_by("team__name", "id")
    )


def members_by_pk(pks):
    """The members with these ids, in the order given (with their users), or None when one does not exist."""
    found = Member.objects.select_related("user").in_bulk(pks)
    if len(found) != len(set(pks)):
        return None
    return [found[pk] for pk in pks]


def team_manager_users(team):
    """The active users who manage `team` (apps.teams.permissions.may_manage_team, superusers aside): the reviewers of
    its organ, and the secretaries of the Party organization that formed it or of one above it."""
    q = Q(roles__role=Role.ORGAN_REVIEWER, roles__organ_id=team.organ_id)
    if team.party_org_id is not None:
        # The path "/1/5/9/" names the organization and every one above it.
        above = [int(part) for part in team.party_org.path.strip("/").split("/") if part]
        q |= Q(roles__role=Role.BRANCH_SECRETARY, roles__party_org_id__in=above)
    return User.objects.filter(q, is_active=True).distinct().order_by("pk")
