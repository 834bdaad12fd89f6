"""Service records at the desk: the community's records, approving, adjusting or rejecting a manual entry, correcting
an approved one, and entering a service done offline by one member or several together.

Records of an activity are decided on its attendance sheet (the sign-up and its record change together there); a
wish's record is approved when the community confirms the wish. Both can be read here.
"""

import re

from django import forms
from django.contrib import messages
from django.db.models import BLANK_CHOICE_DASH, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from apps.accounts.services import normalize_phone
from apps.activities.models import SignUp
from apps.core.errors import DomainError, Invalid
from apps.core.forms import Form
from apps.core.masking import mask_phone
from apps.households.models import Household, HouseholdVisit
from apps.households.permissions import household_visible_q
from apps.ledger import self_services
from apps.ledger import services as ledger
from apps.ledger.models import LONE_SOURCES, RecordStatus, ServiceCategory, ServiceRecord, ServiceSource
from apps.ledger.selectors import attach_effective, record_list
from apps.orgs.models import Member
from apps.places.models import Community
from apps.registrations.models import RegistrationStatus
from apps.web.access import StaffPageMixin, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.staff.forms import GridChoiceField, _datetime_field, grids_for
from apps.web.staff.views import DeskPage, _int_or_none, _page, _query_without_page

_CONTENT_MAX = ServiceRecord._meta.get_field("content").max_length
_REASON_MAX = ServiceRecord._meta.get_field("decision_reason").max_length
MEMBERS_NOT_FOUND = gettext_lazy("No in-service member has these mobile numbers: %(phones)s.")
# The entry form lists at most this many members (a superuser's scope is the whole city): a search narrows it.
MEMBER_CHOICES_MAX = 50
MEMBER_SEARCH_TERMS_MAX = 10
SEARCH_MAX = 100


def staff_communities(scope):
    """The communities whose records the user decides: a community's staff (a superuser: every community)."""
    communities = Community.objects.order_by("code").only("id", "code", "name")
    return communities if scope.is_superuser else communities.filter(pk__in=scope.staff_community_ids)


def is_community_staff(scope):
    return scope.is_superuser or bool(scope.staff_community_ids)


def desk_records(user, scope):
    """Original records of services done in the user's communities (amendments show as the effective figures)."""
    records = record_list(user=user, effective=False)
    return records if scope.is_superuser else records.filter(community__in=scope.staff_community_ids)


def registered_members(communities):
    """In-service members with a confirmed registration in one of these communities, by name."""
    return (
        Member.objects.filter(
            is_active=True,
            registrations__community__in=communities,
            registrations__status=RegistrationStatus.CONFIRMED,
        )
        .select_related("user", "branch")
        .distinct()
        .order_by("user__name", "pk")
    )


def member_search_q(search):
    """Members whose name holds one of the search's words, or whose mobile number ends with one of them (no words:
    everyone)."""
    terms = [term for term in re.split(r"[\s,，;；、]+", search) if term][:MEMBER_SEARCH_TERMS_MAX]
    if not terms:
        return Q()
    found = Q(pk__in=[])
    for term in terms:
        found |= Q(user__name__contains=term)
        if term.isdigit():
            found |= Q(user__phone__endswith=term)
    return found


# --- forms ------------------------------------------------------------------------------------------------------


class RecordFilterForm(Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All"))] + RecordStatus.choices,
        required=False,
        initial=RecordStatus.PENDING,
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"), choices=[("", gettext_lazy("All"))] + ServiceSource.choices, required=False
    )


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.name} · {obj.branch.name} · {mask_phone(obj.user.phone)}"


class ManualRecordForm(Form):
    """A service done offline: who took part, where, when, what; the figures are checked by the service.

    Any member registered with the user's communities may be ticked; the form lists those matching `search` (at most
    MEMBER_CHOICES_MAX, `more_members` when more match) and, when it comes back with an error, those already ticked.
    """

    community = forms.ModelChoiceField(label=gettext_lazy("Community"), queryset=Community.objects.none())
    grid = GridChoiceField(label=gettext_lazy("Grid"), queryset=None, required=False)
    members = MemberChoiceField(
        label=gettext_lazy("Members who took part"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Members registered with your communities."),
    )
    other_phones = forms.CharField(
        label=gettext_lazy("Other members, by mobile number"),
        required=False,
        max_length=1200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One number a line, for members registered elsewhere."),
    )
    # No category chosen in advance: a manual entry counts in the category staff choose for it.
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=[*BLANK_CHOICE_DASH, *ServiceCategory.choices])
    content = forms.CharField(label=gettext_lazy("Service content"), max_length=_CONTENT_MAX)
    started_at = _datetime_field(gettext_lazy("Started at"))
    ended_at = _datetime_field(gettext_lazy("Ended at"))
    credited_minutes = forms.IntegerField(
        label=gettext_lazy("Credited minutes (each member)"),
        min_value=0,
        help_text=gettext_lazy("At most the time between start and end."),
    )
    residents_served = forms.IntegerField(
        label=gettext_lazy("Residents served (the whole service)"),
        min_value=0,
        initial=0,
        help_text=gettext_lazy("Counted once for the service, not once for each member."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why it is entered by hand"),
        max_length=_REASON_MAX,
        help_text=gettext_lazy("E.g. a service done offline, with the paper sign-in sheet kept at the desk."),
    )

    def __init__(self, *args, scope, search="", **kwargs):
        super().__init__(*args, **kwargs)
        communities = staff_communities(scope)
        self.fields["community"].queryset = communities
        self.fields["grid"].queryset = grids_for(scope)
        self.fields["members"].queryset = registered_members(communities)
        self.search = search.strip()[:SEARCH_MAX]
        self._list_members()
        if len(communities) == 1:
            self.fields["community"].initial = communities[0]

    def _list_members(self):
        field = self.fields["members"]
        listed = list(field.queryset.filter(member_search_q(self.search))[: MEMBER_CHOICES_MAX + 1])
        self.more_members = len(listed) > MEMBER_CHOICES_MAX
        listed = listed[:MEMBER_CHOICES_MAX]
        if self.is_bound:
            ticked = field.widget.value_from_datadict(self.data, self.files, self.add_prefix("members"))
            ticked = [pk for pk in ticked or [] if str(pk).isdigit()]
            listed = list(field.queryset.filter(pk__in=ticked).exclude(pk__in=[m.pk for m in listed])) + listed
        # What is shown only: the choice is checked against the whole queryset.
        field.choices = [(member.pk, field.label_from_instance(member)) for member in listed]

    def clean(self):
        data = super().clean()
        phones, bad = [], []
        for line in re.split(r"[\n,，;；、]+", data.get("other_phones") or ""):
            if not line.strip():
                continue
            try:
                phones.append(normalize_phone(line))
            except DomainError:
                bad.append(line)
        if bad:
            self.add_error("other_phones", _("Not a mobile number: %(phones)s.") % {"phones": "、".join(bad)})
            return data
        others = {m.user.phone: m for m in Member.objects.filter(user__phone__in=phones, is_active=True)}
        missing = [p for p in phones if p not in others]
        if missing:
            self.add_error("other_phones", MEMBERS_NOT_FOUND % {"phones": "、".join(missing)})
        data["all_members"] = list(data.get("members") or []) + [others[p] for p in phones if p in others]
        return data


# --- pages ------------------------------------------------------------------------------------------------------


class RecordPageMixin(StaffPageMixin):
    """Records are decided by a community's staff; grid workers have the rest of the desk."""

    role_test = staticmethod(is_community_staff)
    role_label = gettext_lazy("This page is for community staff.")


class RecordListView(RecordPageMixin, DeskPage):
    template_name = "web/staff/records.html"
    subnav = "records"
    title = gettext_lazy("Service records")

    def get_context_data(self, **kwargs):
        data = self.request.GET if "status" in self.request.GET else {"status": RecordStatus.PENDING}
        filters = RecordFilterForm(data)
        records = desk_records(self.request.user, self.scope)
        if filters.is_valid():
            if filters.cleaned_data["status"]:
                records = records.filter(status=filters.cleaned_data["status"])
            if filters.cleaned_data["source"]:
                records = records.filter(source=filters.cleaned_data["source"])
        page_obj = _page(self.request, records)
        attach_effective(page_obj.object_list)
        user_id = self.request.user.pk
        signup_ids = [r.source_id for r in page_obj.object_list if r.source == ServiceSource.ACTIVITY]
        activity_of = dict(SignUp.objects.filter(pk__in=signup_ids).values_list("pk", "activity_id"))
        registered = self_services.self_services_of(page_obj.object_list)
        # A household visit names a neutral place; whoever may see the household (its community's staff) sees
        # which household it was.
        visible = Household.objects.filter(household_visible_q(self.request.user))
        visits = HouseholdVisit.objects.filter(self_service__in=registered.values(), pairing__household__in=visible)
        visits = visits.select_related("pairing__household")
        household_of = {visit.self_service_id: visit.pairing.household for visit in visits}
        for record in page_obj.object_list:
            own = record.member.user_id == user_id
            # Activity hours are decided on the attendance sheet, wishes when they are confirmed; the rest here.
            by_record = record.source in LONE_SOURCES
            record.may_decide = by_record and record.status == RecordStatus.PENDING and not own
            record.self_service = registered.get(record.pk)
            record.household = household_of.get(record.self_service.pk) if record.self_service else None
            # Corrections of an activity's hours belong on its attendance sheet, where the sign-up changes too.
            record.may_correct = record.source != ServiceSource.ACTIVITY and record.status == RecordStatus.APPROVED
            record.may_correct = record.may_correct and not own
            record.activity_pk = activity_of.get(record.source_id) if record.source == ServiceSource.ACTIVITY else None
        return super().get_context_data(
            filters=filters, page_obj=page_obj, query=_query_without_page(self.request), **kwargs
        )


class RecordCreateView(RecordPageMixin, FormView):
    template_name = "web/staff/record_new.html"
    form_class = ManualRecordForm

    def get_form_kwargs(self):
        # The member search is a GET (it works without JavaScript); the entry form carries it, to list the same.
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        return {**super().get_form_kwargs(), "scope": self.scope, "search": source.get("q", "")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            subnav="records", title=_("Enter a service done offline"), members_max=MEMBER_CHOICES_MAX, **kwargs
        )

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            records = ledger.record_create_manual_group(
                actor=self.request.user,
                members=data["all_members"],
                community=data["community"],
                grid=data["grid"],
                category=data["category"],
                content=data["content"],
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                credited_minutes=data["credited_minutes"],
                residents_served=data["residents_served"],
                reason=data["reason"],
            )
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(count)d service records entered; they wait for approval by another member of staff.")
            % {"count": len(records)},
        )
        return HttpResponseRedirect(reverse("staff:records") + "?status=pending")


class _RecordAction(RecordPageMixin, ActionView):
    def perform(self, request, pk):
        record = object_or_404(desk_records(request.user, self.scope), pk)
        return self.act(request, record)

    def act(self, request, record):
        raise NotImplementedError

    def redirect_to(self, pk):
        return reverse("staff:records")


def _figures(request):
    minutes = _int_or_none(request.POST.get("credited_minutes"))
    residents = _int_or_none(request.POST.get("residents_served"))
    if minutes is None or residents is None:
        raise Invalid("figures_invalid", _("Give the minutes and the residents served as whole numbers."))
    return minutes, residents


class RecordApproveView(_RecordAction):
    def act(self, request, record):
        ledger.record_approve(record=record, actor=request.user)
        return _("The service record of %(name)s is approved.") % {"name": record.member.user.name}


class RecordAdjustView(_RecordAction):
    """Other figures for a record: a pending one is approved with them, an approved one corrected. The service
    decides by the record's state when it changes it (another member of staff may have approved it since this page
    was shown), and keeps every step."""

    def act(self, request, record):
        minutes, residents = _figures(request)
        ledger.record_adjust(
            record=record,
            actor=request.user,
            credited_minutes=minutes,
            residents_served=residents,
            reason=request.POST.get("reason", ""),
        )
        return _("The service record of %(name)s now counts %(minutes)s minutes.") % {
            "name": record.member.user.name,
            "minutes": minutes,
        }


class RecordRejectView(_RecordAction):
    def act(self, request, record):
        ledger.record_reject(record=record, actor=request.user, reason=request.POST.get("reason", ""))
        return _("The service record of %(name)s is rejected.") % {"name": record.member.user.name}
