"""Desk pages of household pairing (结对帮扶), for community staff: the households of their communities, recording
one (with its consent), editing and closing it, and on its page the pairings: pair a registered member (searched as
on the manual-record form) or a volunteer team, end a pairing.

Reads through apps.households.selectors (scoped to the staff's communities), writes through its services; a
household outside the desk's scope is a 404.
"""

from django import forms
from django.contrib import messages
from django.db.models import BLANK_CHOICE_DASH
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.errors import DomainError, Invalid
from apps.core.forms import Form
from apps.households import selectors, services
from apps.households.models import Household, HouseholdSituation, HouseholdStatus
from apps.orgs.models import Member
from apps.places.models import Grid
from apps.teams.models import Team, TeamStatus
from apps.web.access import object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.staff.forms import GridChoiceField
from apps.web.staff.records import (
    MEMBER_CHOICES_MAX,
    SEARCH_MAX,
    RecordPageMixin,
    member_search_q,
    registered_members,
    staff_communities,
)
from apps.web.staff.views import DeskPage, _int_or_none, _page, _query_without_page

TEAM_CHOICES_MAX = 50


def _max(name):
    return Household._meta.get_field(name).max_length


class DateInput(forms.DateInput):
    input_type = "date"


class HouseholdForm(Form):
    """A household's record. Consent is not required by the form: the service refuses a household without it
    (consent_required), so the page says so with the service's words."""

    community = forms.ModelChoiceField(label=gettext_lazy("Community"), queryset=None)
    grid = GridChoiceField(label=gettext_lazy("Grid"), queryset=None, required=False)
    head_name = forms.CharField(label=gettext_lazy("Head of household"), max_length=_max("head_name"))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=_max("phone"), required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=_max("address"))
    situation = forms.ChoiceField(
        label=gettext_lazy("Situation"), choices=[*BLANK_CHOICE_DASH, *HouseholdSituation.choices]
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=Household._meta.get_field("notes").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_on = forms.DateField(
        label=gettext_lazy("Consent given on"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("A household is recorded only with its consent; you are recorded as who noted it."),
    )

    def __init__(self, *args, scope, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        communities = staff_communities(scope)
        self.fields["community"].queryset = communities
        self.fields["grid"].queryset = _grids(communities)
        if editing:
            del self.fields["community"]
            del self.fields["consent_on"]
        elif len(communities) == 1:
            self.fields["community"].initial = communities[0]


def _grids(communities):
    return (
        Grid.objects.filter(community__in=communities).select_related("community").order_by("community__code", "code")
    )


def desk_households(user):
    return selectors.household_list_managed(user=user)


def _household(user, pk):
    return object_or_404(desk_households(user), pk)


class HouseholdListView(RecordPageMixin, DeskPage):
    template_name = "web/staff/households.html"
    subnav = "households"
    title = gettext_lazy("Paired households")

    def get_context_data(self, **kwargs):
        page_obj = _page(self.request, desk_households(self.request.user))
        return super().get_context_data(page_obj=page_obj, query=_query_without_page(self.request), **kwargs)


class HouseholdCreateView(RecordPageMixin, FormView):
    template_name = "web/staff/household_form.html"

    def get_form(self, form_class=None):
        return HouseholdForm(**self.get_form_kwargs())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subnav="households", title=_("Record a household"), **kwargs)

    def form_valid(self, form):
        try:
            household = services.household_create(actor=self.request.user, **form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The household is recorded. Pair a member or a team with it."))
        return HttpResponseRedirect(reverse("staff:household", args=[household.pk]))


class HouseholdEditView(RecordPageMixin, FormView):
    template_name = "web/staff/household_form.html"

    @cached_property
    def household(self):
        return _household(self.request.user, self.kwargs["pk"])

    def get_form(self, form_class=None):
        return HouseholdForm(**self.get_form_kwargs())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope, "editing": True}

    def get_initial(self):
        h = self.household
        return {
            "grid": h.grid_id,
            "head_name": h.head_name,
            "phone": h.phone,
            "address": h.address,
            "situation": h.situation,
            "notes": h.notes,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            subnav="households", title=_("Edit the household"), household=self.household, **kwargs
        )

    def form_valid(self, form):
        try:
            services.household_update(actor=self.request.user, household=self.household, **form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The household is updated."))
        return HttpResponseRedirect(reverse("staff:household", args=[self.household.pk]))


class HouseholdDetailView(RecordPageMixin, DeskPage):
    template_name = "web/staff/household_detail.html"
    subnav = "households"

    def get_context_data(self, **kwargs):
        household = _household(self.request.user, self.kwargs["pk"])
        search = self.request.GET.get("q", "").strip()[:SEARCH_MAX]
        candidates, teams = [], []
        if household.status == HouseholdStatus.ACTIVE:
            members = registered_members([household.community]).filter(member_search_q(search))
            candidates = list(members[: MEMBER_CHOICES_MAX + 1])
            teams = list(
                Team.objects.filter(status=TeamStatus.ACTIVE, name__contains=search)
                .select_related("organ")
                .order_by("organ__name", "name")[: TEAM_CHOICES_MAX + 1]
            )
        return super().get_context_data(
            household=household,
            title=household.head_name,
            pairings=list(selectors.pairings_of_household(household)),
            search=search,
            candidates=candidates[:MEMBER_CHOICES_MAX],
            more_candidates=len(candidates) > MEMBER_CHOICES_MAX,
            teams=teams[:TEAM_CHOICES_MAX],
            **kwargs,
        )


class _HouseholdAction(RecordPageMixin, ActionView):
    def redirect_to(self, pk):
        return reverse("staff:household", args=[pk])


class HouseholdCloseView(_HouseholdAction):
    def perform(self, request, pk):
        household = _household(request.user, pk)
        services.household_close(actor=request.user, household=household, reason=request.POST.get("reason", ""))
        return _("The household's record is closed; its pairings have ended.")


class HouseholdPairView(_HouseholdAction):
    """Pair the household with the member or the team chosen on its page."""

    def perform(self, request, pk):
        household = _household(request.user, pk)
        member_id, team_id = _int_or_none(request.POST.get("member")), _int_or_none(request.POST.get("team"))
        member = Member.objects.filter(pk=member_id).first() if member_id else None
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if (member_id and member is None) or (team_id and team is None):
            raise Invalid("pairing_partner_required", _("Choose a member or a team from the list."))
        pairing = services.pairing_create(actor=request.user, household=household, member=member, team=team)
        partner = pairing.member.user.name if pairing.member_id else pairing.team.name
        return _("%(partner)s is paired with the household.") % {"partner": partner}


class PairingEndView(RecordPageMixin, ActionView):
    def perform(self, request, pk):
        pairing = object_or_404(
            selectors.pairing_list(user=request.user).filter(household__in=desk_households(request.user)), pk
        )
        self.household_pk = pairing.household_id
        services.pairing_end(actor=request.user, pairing=pairing, reason=request.POST.get("reason", ""))
        return _("The pairing has ended.")

    def redirect_to(self, pk):
        household_pk = getattr(self, "household_pk", None)
        return reverse("staff:household", args=[household_pk]) if household_pk else reverse("staff:households")
