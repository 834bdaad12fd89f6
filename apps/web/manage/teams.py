"""The organ's volunteer teams (志愿服务队) under management: the teams a user manages (an organ reviewer's organ,
a branch secretary's teams formed through their Party organizations), forming a team, editing it, setting its
leader, dissolving it, and deciding on its members as its leader would. Every button calls the service the API
calls (apps.teams.services decides who may); a team the user does not manage reads as 404.
"""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.activities import selectors as activity_selectors
from apps.core.errors import DomainError, Invalid
from apps.core.forms import Form
from apps.orgs.models import Member, Organ, PartyOrg
from apps.teams import selectors, services
from apps.teams.permissions import may_form_any_team
from apps.web import team_actions
from apps.web.access import is_organ_side, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.manage.views import ManagePage, ManagePageMixin

CHOOSE_MEMBER = gettext_lazy("Choose a member of the team.")


class TeamPageMixin(ManagePageMixin):
    """Organ reviewers and branch secretaries (and superusers)."""

    role_test = staticmethod(is_organ_side)
    role_label = gettext_lazy("This page is for organ committees and branch secretaries.")
    subnav = "teams"


def _managed(user, pk):
    return object_or_404(selectors.team_list_managed(user=user), pk)


def _formable_organs(scope):
    """The organs the user forms teams of: those they review, and those of the Party organizations they lead."""
    organs = Organ.objects.order_by("name")
    if scope.is_superuser:
        return organs
    led = PartyOrg.objects.filter(pk__in=scope.party_org_ids).values("organ_id")
    return organs.filter(Q(pk__in=scope.organ_ids) | Q(pk__in=led))


def _formable_party_orgs(scope):
    """The Party organizations the user forms teams through: every one of a reviewed organ, a secretary's subtree."""
    orgs = PartyOrg.objects.select_related("organ").order_by("organ__name", "path")
    if scope.is_superuser:
        return orgs
    q = Q(organ_id__in=scope.organ_ids)
    for path in scope.party_org_paths:
        q |= Q(path__startswith=path)
    return orgs.filter(q)


class _PartyOrgChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.organ.name} · {obj.name}"


class _MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.name} · {obj.branch.name}"


class TeamCreateForm(team_actions.TeamEditForm):
    """The fields of the API's TeamCreateInputSerializer; who may form the team through which Party organization,
    the leader's organ and a taken name are the service's rules and come back as its errors."""

    organ = forms.ModelChoiceField(label=gettext_lazy("Organ"), queryset=Organ.objects.none())
    party_org = _PartyOrgChoice(
        label=gettext_lazy("Formed by"),
        queryset=PartyOrg.objects.none(),
        required=False,
        help_text=gettext_lazy("The Party organization forming the team; empty: the organ itself (its committee)."),
    )
    leader = _MemberChoice(
        label=gettext_lazy("Leader"),
        queryset=Member.objects.none(),
        help_text=gettext_lazy("An active member of the organ; the leader is the team's first member."),
    )
    field_order = ["organ", "party_org", "name", "specialty", "leader", "description"]

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        organs = _formable_organs(scope)
        self.fields["organ"].queryset = organs
        if len(organs) == 1:
            self.fields["organ"].initial = organs[0]
        party_orgs = _formable_party_orgs(scope)
        self.fields["party_org"].queryset = party_orgs
        if not scope.is_superuser and not scope.organ_ids:
            # A secretary forms teams through their Party organization only.
            self.fields["party_org"].required = True
            self.fields["party_org"].help_text = ""
        members = Member.objects.filter(is_active=True, organ__in=organs.values("pk"))
        self.fields["leader"].queryset = members.select_related("user", "branch").order_by("branch__path", "user__name")


class LeaderForm(Form):
    member = forms.ModelChoiceField(queryset=Member.objects.none())

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.team_members(team)


# --- pages ------------------------------------------------------------------------------------------------------


class TeamListView(TeamPageMixin, ManagePage):
    template_name = "web/manage/teams.html"
    title = gettext_lazy("Volunteer teams")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            teams=list(selectors.team_list_managed(user=self.request.user)),
            may_form=may_form_any_team(self.request.user),
        )
        return context


class TeamCreateView(TeamPageMixin, FormView):
    template_name = "web/manage/team_form.html"
    form_class = TeamCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Form a volunteer team"), **kwargs)

    def form_valid(self, form):
        try:
            team = services.team_create(actor=self.request.user, **form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The team %(name)s is formed.") % {"name": team.name})
        return HttpResponseRedirect(reverse("manage:team-detail", kwargs={"pk": team.pk}))


class TeamDetailView(TeamPageMixin, ManagePage):
    template_name = "web/manage/team_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        team = _managed(self.request.user, kwargs["pk"])
        context.update(
            title=team.name,
            team=team,
            roster=list(selectors.team_roster(team)),
            applications=list(selectors.team_applications(team)) if team.is_active else [],
            team_activities=list(activity_selectors.team_upcoming_activities(team=team)),
            team_figures=team_actions.team_year_figures(team),
        )
        return context


class TeamEditView(TeamPageMixin, FormView):
    template_name = "web/manage/team_form.html"
    form_class = team_actions.TeamEditForm

    @cached_property
    def team(self):
        # Read after the role gate (dispatch) has let the user in: outside the user's teams, a 404.
        return _managed(self.request.user, self.kwargs["pk"])

    def get_initial(self):
        return {"name": self.team.name, "specialty": self.team.specialty, "description": self.team.description}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Edit the team"), team=self.team, **kwargs)

    def form_valid(self, form):
        try:
            services.team_update(actor=self.request.user, team=self.team, **form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The team is saved."))
        return HttpResponseRedirect(reverse("manage:team-detail", kwargs={"pk": self.team.pk}))


class _TeamButton(TeamPageMixin, ActionView):
    def redirect_to(self, **kwargs):
        return reverse("manage:team-detail", kwargs={"pk": kwargs["pk"]})


class TeamLeaderView(_TeamButton):
    def perform(self, request, pk):
        team = _managed(request.user, pk)
        form = LeaderForm(request.POST, team=team)
        if not form.is_valid():
            raise Invalid("member_required", CHOOSE_MEMBER)
        team = services.team_leader_set(actor=request.user, team=team, member=form.cleaned_data["member"])
        return _("%(name)s now leads the team.") % {"name": team.leader.user.name}


class TeamDissolveView(_TeamButton):
    def perform(self, request, pk):
        team = _managed(request.user, pk)
        services.team_dissolve(actor=request.user, team=team, reason=request.POST.get("reason", ""))
        return _("The team is dissolved.")


class _DecisionButton(TeamPageMixin):
    def redirect_to(self, **kwargs):
        pk = getattr(self, "team_pk", None)
        return reverse("manage:team-detail", kwargs={"pk": pk}) if pk else reverse("manage:teams")


class AcceptView(_DecisionButton, team_actions.AcceptView):
    pass


class DeclineView(_DecisionButton, team_actions.DeclineView):
    pass


class RemoveView(_DecisionButton, team_actions.RemoveView):
    pass
