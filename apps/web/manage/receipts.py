"""The registration receipts (回执) the organ's members brought back: whose registration a community confirmed,
where, under which receipt number and when; in force, or closed after the member moved (the receipt stays on it).

The readers are the API's (apps.registrations.permissions.receipt_visible_q), seen from the organ's side: the
organ's reviewers (the whole organ) and branch secretaries (their branch and the branches under it). Home addresses
are never shown here (docs/privacy.md): the community is.
"""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.translation import gettext_lazy

from apps.core.forms import Form
from apps.orgs.models import PartyOrg, PartyOrgKind
from apps.registrations import selectors as registration_selectors
from apps.registrations.models import RegistrationStatus
from apps.web import registration_certificate
from apps.web.manage.pairings import OrganSidePageMixin
from apps.web.manage.views import ManagePage

PAGE_SIZE = 30
RECEIPT_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.MOVED)


def organ_receipts(user, scope):
    """Registrations with a receipt of the members of the user's organs and Party-org subtrees (a superuser: all)."""
    return (
        registration_selectors.registration_list(user=user)
        .filter(scope.org_q(organ="member__organ", branch="member__branch"), receipt_number__isnull=False)
        .order_by("-decided_at", "-id")
    )


def receipt_branches(scope):
    """The branches to filter by: the reviewer's organs' branches, the secretary's subtree's (a superuser: all)."""
    branches = PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).select_related("organ").order_by("organ__name", "path")
    if scope.is_superuser:
        return branches
    subtree = Q(organ_id__in=scope.organ_ids)
    for path in scope.party_org_paths:
        subtree |= Q(path__startswith=path)
    return branches.filter(subtree)


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.organ.name} · {obj.name}"


class ReceiptFilterForm(Form):
    branch = BranchChoiceField(
        label=gettext_lazy("Branch"),
        queryset=PartyOrg.objects.none(),
        required=False,
        empty_label=gettext_lazy("All branches"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All"))] + [(s.value, s.label) for s in RECEIPT_STATUSES],
        required=False,
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches


class ReceiptListView(OrganSidePageMixin, ManagePage):
    template_name = "web/manage/receipts.html"
    subnav = "receipts"
    title = gettext_lazy("Registration receipts")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, scope = self.request.user, self.scope
        filters = ReceiptFilterForm(self.request.GET or None, branches=receipt_branches(scope))
        receipts = organ_receipts(user, scope)
        if filters.is_bound:
            if filters.is_valid():
                if filters.cleaned_data["branch"]:
                    receipts = receipts.filter(member__branch=filters.cleaned_data["branch"])
                if filters.cleaned_data["status"]:
                    receipts = receipts.filter(status=filters.cleaned_data["status"])
            else:
                receipts = receipts.none()
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filters=filters,
            page_obj=Paginator(receipts, PAGE_SIZE).get_page(self.request.GET.get("page")),
            query=query.urlencode(),
        )
        return context


class ReceiptCertificateView(OrganSidePageMixin, registration_certificate.RegistrationCertificateView):
    """A member's registration certificate with its receipt as a PDF, for the organ to print again (while the
    registration is in force)."""

    back_to = "manage:receipts"
