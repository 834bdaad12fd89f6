"""The organ's pairings with communities (结对共建) under management: the list for the organ's reviewers and branch
secretaries, and for the reviewers pairing the organ with a community and ending a pairing.

As in the API: every signed-in user may read pairings, only the organ's Party committee (its reviewers) pairs and
ends (apps.registrations.services decides). The page lists the pairings of the user's organs: the organs they
review, and those of the Party organizations they lead. Another organ's pairing reads as 404.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.core.errors import DomainError, Invalid
from apps.core.forms import Form
from apps.orgs.models import Organ, PartyOrg
from apps.places.models import Community
from apps.registrations import selectors as registration_selectors
from apps.registrations import services as registration_services
from apps.registrations.models import Pairing
from apps.web.access import is_organ_side, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.manage.views import ManagePage, ManagePageMixin, manages_members

PAGE_SIZE = 30
ENDS_ON_INVALID = gettext_lazy("Enter a valid end date.")


class OrganSidePageMixin(ManagePageMixin):
    """Organ reviewers and branch secretaries (the management section's organ pages)."""

    role_test = staticmethod(is_organ_side)
    role_label = gettext_lazy("This page is for organ committees and branch secretaries.")


class PairingManagePageMixin(ManagePageMixin):
    """Pairing and ending are the organ's Party committee's (its reviewers')."""

    role_test = staticmethod(manages_members)
    role_label = gettext_lazy("This page is for organ committees.")
    subnav = "pairings"


def organs_for(scope):
    """The organs whose pairings the user reads: those they review and those of the Party orgs they lead."""
    organs = Organ.objects.order_by("name")
    if scope.is_superuser:
        return organs
    led = PartyOrg.objects.filter(pk__in=scope.party_org_ids).values("organ_id")
    return organs.filter(Q(pk__in=scope.organ_ids) | Q(pk__in=led))


def reviewed_organs(scope):
    """The organs whose pairings the user manages (a reviewer's; a superuser's: every organ)."""
    organs = Organ.objects.order_by("name")
    return organs if scope.is_superuser else organs.filter(pk__in=scope.organ_ids)


def organ_pairings(user, scope):
    return registration_selectors.pairing_list(user=user).filter(organ__in=organs_for(scope).values("pk"))


def managed_pairings(user, scope):
    return registration_selectors.pairing_list(user=user).filter(organ__in=reviewed_organs(scope).values("pk"))


def pairing_state(pairing, today):
    if pairing.starts_on > today:
        return "upcoming"
    if pairing.ends_on is not None and pairing.ends_on < today:
        return "ended"
    return "active"


# --- forms ------------------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PairingFilterForm(Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            ("", gettext_lazy("All")),
            ("active", gettext_lazy("Running")),
            ("upcoming", gettext_lazy("Not started yet")),
            ("ended", gettext_lazy("Ended")),
        ],
        required=False,
    )


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.street.name} · {obj.name}"


class PartyOrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.organ.name} · {obj.name}"


class PairingCreateForm(Form):
    """The fields of the API's PairingCreateInputSerializer; the dates in order, no overlapping pairing and the
    Party organization within the organ are the service's rules and come back as its errors."""

    organ = forms.ModelChoiceField(label=gettext_lazy("Organ"), queryset=Organ.objects.none())
    party_org = PartyOrgChoiceField(
        label=gettext_lazy("Through the Party organization"),
        queryset=PartyOrg.objects.none(),
        required=False,
        help_text=gettext_lazy("Optional: the branch of the organ that carries the pairing."),
    )
    community = CommunityChoiceField(label=gettext_lazy("Community"), queryset=Community.objects.none())
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateInput())
    ends_on = forms.DateField(
        label=gettext_lazy("Ends on"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Empty: until it is ended."),
    )
    projects = forms.CharField(
        label=gettext_lazy("Joint projects"),
        required=False,
        max_length=Pairing._meta.get_field("projects").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        organs = reviewed_organs(scope)
        self.fields["organ"].queryset = organs
        if len(organs) == 1:
            self.fields["organ"].initial = organs[0]
        party_orgs = PartyOrg.objects.filter(organ__in=organs.values("pk")).select_related("organ")
        self.fields["party_org"].queryset = party_orgs.order_by("organ__name", "path")
        self.fields["community"].queryset = Community.objects.select_related("street").order_by("street__code", "code")
        self.fields["starts_on"].initial = timezone.localdate()


class PairingEndForm(Form):
    ends_on = forms.DateField(required=False)


# --- pages ------------------------------------------------------------------------------------------------------


class PairingListView(OrganSidePageMixin, ManagePage):
    template_name = "web/manage/pairings.html"
    subnav = "pairings"
    title = gettext_lazy("Pairings with communities")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, scope = self.request.user, self.scope
        today = timezone.localdate()
        filters = PairingFilterForm(self.request.GET or None)
        pairings = organ_pairings(user, scope).order_by("-starts_on", "-id")
        if filters.is_bound:
            if not filters.is_valid():
                pairings = pairings.none()
            elif filters.cleaned_data["status"] == "active":
                pairings = pairings.filter(registration_selectors.pairing_active_q(today))
            elif filters.cleaned_data["status"] == "upcoming":
                pairings = pairings.filter(starts_on__gt=today)
            elif filters.cleaned_data["status"] == "ended":
                pairings = pairings.filter(ends_on__lt=today)
        page_obj = Paginator(pairings, PAGE_SIZE).get_page(self.request.GET.get("page"))
        managed = set(reviewed_organs(scope).values_list("pk", flat=True)) if manages_members(scope) else set()
        for pairing in page_obj.object_list:
            pairing.state = pairing_state(pairing, today)
            pairing.may_end = pairing.organ_id in managed and (pairing.ends_on is None or pairing.ends_on > today)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filters=filters,
            page_obj=page_obj,
            query=query.urlencode(),
            may_pair=manages_members(scope),
            several_organs=organs_for(scope).count() > 1,
            today=today,
        )
        return context


class PairingCreateView(PairingManagePageMixin, FormView):
    template_name = "web/manage/pairing_new.html"
    form_class = PairingCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("Pair with a community"), **kwargs)

    def form_valid(self, form):
        try:
            pairing = registration_services.pairing_create(actor=self.request.user, **form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(organ)s is now paired with %(community)s.")
            % {"organ": pairing.organ.name, "community": pairing.community.name},
        )
        return HttpResponseRedirect(reverse("manage:pairings"))


class PairingEndView(PairingManagePageMixin, ActionView):
    """End a pairing on the day given (today when none is)."""

    def perform(self, request, pk):
        pairing = object_or_404(managed_pairings(request.user, self.scope), pk)
        form = PairingEndForm(request.POST)
        if not form.is_valid():
            raise Invalid("ends_on_invalid", ENDS_ON_INVALID)
        ends_on = form.cleaned_data["ends_on"] or timezone.localdate()
        pairing = registration_services.pairing_end(actor=request.user, pairing=pairing, ends_on=ends_on)
        return _("The pairing with %(community)s ends on %(date)s.") % {
            "community": pairing.community.name,
            "date": pairing.ends_on.isoformat(),
        }

    def redirect_to(self, **kwargs):
        return reverse("manage:pairings")
