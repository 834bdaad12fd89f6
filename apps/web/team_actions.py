"""What the member pages and the management pages share about volunteer teams: the forms and the buttons that
decide on a membership (accept, decline, remove), each calling the service the API calls.

The section's gate (member or organ side) is mixed in by each page module; the membership is looked up among those
of the teams the user may see (anything else is a 404), and the service decides whether the user may act (the
team's leader, or whoever manages the team).
"""

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import NotFound
from apps.core.forms import Form
from apps.stats.nodes import Level, Node
from apps.stats.periods import year_period
from apps.stats.selectors import node_metrics
from apps.teams import selectors, services
from apps.teams.models import Team, TeamSpecialty
from apps.web.access import object_or_404
from apps.web.feedback import ActionView


class TeamEditForm(Form):
    """The fields of the API's TeamUpdateInputSerializer; a taken name is the service's rule."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=Team._meta.get_field("name").max_length)
    specialty = forms.ChoiceField(label=gettext_lazy("Specialty"), choices=TeamSpecialty.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=Team._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What the team offers, where and when it usually serves."),
    )


class MembershipActionView(ActionView):
    """A button on one membership (its id in the path) of a team the user sees. Subclasses implement `act`."""

    def perform(self, request, pk):
        membership = object_or_404(selectors.team_membership_list(user=request.user), pk)
        self.team_pk = membership.team_id
        try:
            return self.act(request, membership)
        except NotFound as exc:
            raise Http404 from exc

    def act(self, request, membership):
        raise NotImplementedError


class AcceptView(MembershipActionView):
    def act(self, request, membership):
        services.team_accept(actor=request.user, team=membership.team, member=membership.member)
        return _("%(name)s is now a member of the team.") % {"name": membership.member.user.name}


class DeclineView(MembershipActionView):
    def act(self, request, membership):
        reason = request.POST.get("reason", "")
        services.team_decline(actor=request.user, team=membership.team, member=membership.member, reason=reason)
        return _("The application of %(name)s is declined.") % {"name": membership.member.user.name}


class RemoveView(MembershipActionView):
    def act(self, request, membership):
        services.team_remove(
            actor=request.user, team=membership.team, member=membership.member, reason=request.POST.get("reason", "")
        )
        return _("%(name)s is no longer in the team.") % {"name": membership.member.user.name}


def team_year_figures(team):
    """The team's figures this year (the services its members did as the team), as the statistics give them, for
    the team's pages."""
    year = timezone.localdate().year
    metrics = node_metrics(node=Node(Level.TEAM, team), period=year_period(year))
    keys = ("services", "person_times", "members_served", "hours", "residents_served")
    return {"year": year, "tiles": [{"key": key, "value": metrics[key]} for key in keys]}
