"""Members' pages of household pairing (结对帮扶): my paired households (mine and my teams'), each with its address
(shown to the paired volunteers only, the head's name masked) and the form to register a visit, a self-registered
service with the household fixed. Reads through apps.households.selectors, the visit through its service."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from apps.core.errors import DomainError
from apps.core.forms import Form
from apps.core.masking import mask_name
from apps.households import selectors, services
from apps.ledger.models import ServiceRecord
from apps.ledger.self_services import RESIDENTS_MAX
from apps.stats import glossary
from apps.web.access import found_or_404
from apps.web.feedback import add_form_error
from apps.web.member.views import MemberPage
from apps.web.staff.forms import DATETIME_FORMATS, DateTimeLocalInput


class VisitForm(Form):
    """A visit to the household: when and what. It only parses: the service checks the times, overlaps, the daily
    maximum and the photo."""

    started_at = forms.DateTimeField(
        label=gettext_lazy("Started at"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput()
    )
    ended_at = forms.DateTimeField(
        label=gettext_lazy("Ended at"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput()
    )
    content = forms.CharField(
        label=gettext_lazy("What you did"),
        max_length=ServiceRecord._meta.get_field("content").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    residents_served = forms.IntegerField(
        label=glossary.lazy_label("residents_served"), min_value=0, max_value=RESIDENTS_MAX, initial=1
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


def _mask(pairings):
    for pairing in pairings:
        pairing.masked_head = mask_name(pairing.household.head_name)
    return pairings


class MyHouseholdsView(MemberPage, TemplateView):
    template_name = "web/member/households.html"
    subnav = "households"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pairings = _mask(list(selectors.my_pairings(user=self.request.user)))
        context.update(title=gettext_lazy("My paired households"), pairings=pairings)
        return context


class HouseholdVisitView(MemberPage, FormView):
    """One of my paired households, and the form to register a visit there."""

    template_name = "web/member/household_visit.html"
    subnav = "households"

    @cached_property
    def pairing(self):
        return found_or_404(selectors.my_pairings(user=self.request.user).filter(pk=self.kwargs["pk"]).first())

    def get_form(self, form_class=None):
        return VisitForm(**self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        pairing = _mask([self.pairing])[0]
        return super().get_context_data(
            title=_("Register a visit"),
            pairing=pairing,
            household=pairing.household,
            visits=list(selectors.visits_of_pairing(pairing)[:10]),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.household_visit_register(actor=self.request.user, pairing=self.pairing, **form.cleaned_data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your visit is registered. The community's staff will review it."))
        return HttpResponseRedirect(reverse("member:household", args=[self.pairing.pk]))
