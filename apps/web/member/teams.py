"""Members' pages of volunteer teams (志愿服务队): my teams and the teams of my organ, a team's page (its members,
leader, specialty and the wishes it claimed) with applying and leaving, and, for the team's leader, the applications
to accept or decline and the members to remove. Reads through apps.teams.selectors, buttons through
apps.teams.services."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from apps.activities import selectors as activity_selectors
from apps.core.masking import mask_name
from apps.households.selectors import team_pairings
from apps.teams import selectors, services
from apps.teams.models import MembershipStatus
from apps.teams.permissions import may_decide
from apps.web import team_actions
from apps.web.access import MemberPageMixin, found_or_404
from apps.web.member.views import MemberActionView, MemberPage
from apps.wishes.selectors import team_current_claims


class TeamListView(MemberPage, TemplateView):
    template_name = "web/member/teams.html"
    subnav = "teams"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        mine = list(selectors.my_open_memberships(user=user))
        status_by_team = {m.team_id: m.status for m in mine}
        teams = list(selectors.organ_teams_for_member(user=user))
        for team in teams:
            team.my_status = status_by_team.get(team.pk)
        context.update(title=gettext_lazy("My teams"), memberships=mine, teams=teams)
        return context


class TeamDetailView(MemberPage, TemplateView):
    template_name = "web/member/team_detail.html"
    subnav = "teams"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        team = found_or_404(selectors.team_get(user=user, pk=kwargs["pk"]))
        membership = selectors.my_membership(user=user, team=team)
        decides = team.is_active and may_decide(user, team)
        context.update(
            title=team.name,
            team=team,
            roster=list(selectors.team_roster(team)),
            membership=membership,
            is_leader=team.leader_id is not None and team.leader_id == self.scope.member_id,
            can_apply=team.is_active and membership is None and team.organ_id == self.scope.member_organ_id,
            can_leave=membership is not None and team.leader_id != self.scope.member_id,
            applied=membership is not None and membership.status == MembershipStatus.APPLIED,
            decides=decides,
            applications=list(selectors.team_applications(team)) if decides else [],
            # The wishes the team holds now (titles and places; the leader opens them, the resident stays theirs).
            claims=list(team_current_claims(team=team)),
            team_activities=list(activity_selectors.team_upcoming_activities(team=team)),
            # The team's paired households (结对帮扶), for its active members: the address, the head's name masked.
            households=_masked(team_pairings(team)) if membership and membership.status == "active" else [],
            team_figures=team_actions.team_year_figures(team),
        )
        return context


def _masked(pairings):
    pairings = list(pairings)
    for pairing in pairings:
        pairing.masked_head = mask_name(pairing.household.head_name)
    return pairings


class TeamActionView(MemberActionView):
    def redirect_to(self, **kwargs):
        return reverse("member:team", kwargs={"pk": kwargs["pk"]})


def _visible_team(user, pk):
    return found_or_404(selectors.team_get(user=user, pk=pk))


class TeamApplyView(TeamActionView):
    def act(self, request, pk):
        services.team_apply(actor=request.user, team=_visible_team(request.user, pk))
        return _("You applied to join the team. The leader will decide.")


class TeamLeaveView(TeamActionView):
    def act(self, request, pk):
        membership = services.team_leave(
            actor=request.user, team=_visible_team(request.user, pk), reason=request.POST.get("reason", "")
        )
        if membership.joined_at is None:
            return _("You withdrew your application.")
        return _("You left the team.")


class _LeaderButton(MemberPageMixin):
    """The leader's buttons on their team's page: back to the team's page."""

    def redirect_to(self, **kwargs):
        pk = getattr(self, "team_pk", None)
        return reverse("member:team", kwargs={"pk": pk}) if pk else reverse("member:teams")


class AcceptView(_LeaderButton, team_actions.AcceptView):
    pass


class DeclineView(_LeaderButton, team_actions.DeclineView):
    pass


class RemoveView(_LeaderButton, team_actions.RemoveView):
    pass
