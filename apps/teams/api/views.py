"""Thin API views of volunteer teams: validate input, call one service or selector, answer with the team as the
user sees it after the change."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.teams import filters, selectors, services
from apps.teams.api import serializers as s
from apps.teams.permissions import may_decide, may_manage_team, require_decide


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """志愿服务队: volunteer teams of an organ, with a specialty and a leader.

    Members see the teams of their own organ (and any team they were in); the organ's Party committee and the
    secretaries of its Party organizations see the organ's teams; anything else reads as 404. The organ's Party
    committee (or the secretary of the Party organization that formed a team) forms, edits and dissolves teams and
    sets their leaders; members apply and leave; the leader accepts, declines and removes members.
    """

    serializer_class = s.TeamOutputSerializer
    filterset_class = filters.TeamFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.team_list(user=self.request.user)

    def _respond(self, team, status_code=status.HTTP_200_OK):
        user = self.request.user
        # Re-read with the counts after the change; as the user sees it (a former member always does).
        fresh = selectors.team_get(user=user, pk=team.pk) or selectors.team_with_counts(pk=team.pk)
        context = {
            **self.get_serializer_context(),
            "roster": selectors.team_roster(fresh),
            "my_membership": selectors.my_membership(user=user, team=fresh),
            "may_decide": may_decide(user, fresh),
            "may_manage": may_manage_team(user, fresh),
        }
        return Response(s.TeamDetailOutputSerializer(fresh, context=context).data, status=status_code)

    @extend_schema(responses=s.TeamDetailOutputSerializer)
    def retrieve(self, request, pk=None):
        """One team with its active members, the viewer's own membership and what the viewer may do."""
        return self._respond(self.get_object())

    @extend_schema(request=s.TeamCreateInputSerializer, responses={201: s.TeamDetailOutputSerializer})
    def create(self, request):
        """Form a team. The organ's Party committee forms any team of the organ; a branch secretary forms teams
        through a Party organization they lead (`party_org`). The leader becomes the first member.
        `409 team_name_taken` when the organ has a team of that name."""
        data = _validated(s.TeamCreateInputSerializer, request.data)
        team = services.team_create(actor=request.user, **data)
        return self._respond(team, status.HTTP_201_CREATED)

    @extend_schema(request=s.TeamUpdateInputSerializer, responses=s.TeamDetailOutputSerializer)
    def partial_update(self, request, pk=None):
        """Change the name, specialty or description (whoever manages the team). `409 team_dissolved` once
        dissolved."""
        team = self.get_object()
        data = _validated(s.TeamUpdateInputSerializer, request.data)
        return self._respond(services.team_update(actor=request.user, team=team, **data))

    @extend_schema(request=s.TeamReasonInputSerializer, responses=s.TeamDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        """Dissolve the team (whoever manages it; `reason` required): every membership ends now and waiting
        applications are declined; in the same transaction the team's open wish claims are released, its sign-ups
        for activities not yet started are cancelled (the waitlist moves up) and its open household pairings end,
        with the reason. The team and its history stay."""
        team = self.get_object()
        data = _validated(s.TeamReasonInputSerializer, request.data)
        return self._respond(services.team_dissolve(actor=request.user, team=team, **data))

    @extend_schema(request=s.MemberInputSerializer, responses=s.TeamDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def leader(self, request, pk=None):
        """Set a new leader (whoever manages the team): an active member of the team
        (`422 leader_not_team_member` otherwise). The former leader stays a member."""
        team = self.get_object()
        data = _validated(s.MemberInputSerializer, request.data)
        return self._respond(services.team_leader_set(actor=request.user, team=team, **data))

    @extend_schema(request=None, responses={201: s.TeamDetailOutputSerializer})
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Apply to join the team (a member of the team's organ). Already applied or in the team:
        `409 team_already_joined`, and nothing is written."""
        team = self.get_object()
        services.team_apply(actor=request.user, team=team)
        return self._respond(team, status.HTTP_201_CREATED)

    @extend_schema(request=s.TeamOptionalReasonInputSerializer, responses=s.TeamDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        """Leave the team, or withdraw an application still waiting. The leader cannot leave
        (`409 leader_cannot_leave`) until the organ sets a new leader."""
        team = self.get_object()
        data = _validated(s.TeamOptionalReasonInputSerializer, request.data)
        services.team_leave(actor=request.user, team=team, **data)
        return self._respond(team)

    @extend_schema(request=s.MemberInputSerializer, responses=s.TeamDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a member's application (the leader, or whoever manages the team). `409 not_an_applicant` when
        the member has no application waiting."""
        team = self.get_object()
        data = _validated(s.MemberInputSerializer, request.data)
        services.team_accept(actor=request.user, team=team, **data)
        return self._respond(team)

    @extend_schema(request=s.DecisionInputSerializer, responses=s.TeamDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline a member's application (the leader, or whoever manages the team), with an optional reason."""
        team = self.get_object()
        data = _validated(s.DecisionInputSerializer, request.data)
        services.team_decline(actor=request.user, team=team, **data)
        return self._respond(team)

    @extend_schema(request=s.RemoveInputSerializer, responses=s.TeamDetailOutputSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """Remove a member (the leader, or whoever manages the team; `reason` required). The leader cannot be
        removed (`409 leader_cannot_be_removed`)."""
        team = self.get_object()
        data = _validated(s.RemoveInputSerializer, request.data)
        services.team_remove(actor=request.user, team=team, **data)
        return self._respond(team)

    @extend_schema(responses=s.MembershipOutputSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def applications(self, request, pk=None):
        """The applications waiting for a decision, oldest first (the leader, and whoever manages the team)."""
        team = self.get_object()
        require_decide(request.user, team)
        page = self.paginate_queryset(selectors.team_applications(team))
        return self.get_paginated_response(s.MembershipOutputSerializer(page, many=True).data)

    @extend_schema(responses=s.MembershipOutputSerializer(many=True))
    @action(detail=False, methods=["get"], filterset_class=None)
    def mine(self, request):
        """The signed-in member's teams: open memberships (applied or active), by team name. Empty for a user
        without a member profile."""
        page = self.paginate_queryset(selectors.my_open_memberships(user=request.user))
        return self.get_paginated_response(s.MembershipOutputSerializer(page, many=True).data)
