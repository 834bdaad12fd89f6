"""Management pages for people: the members of an organ reviewer's organ or a branch secretary's branch (search,
move; the reviewer also deactivates and appoints branch secretaries); the places an administrator covers with their
staff and grid workers (appoint, revoke). Every change is a POST calling one service; every service audits."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts import services as account_services
from apps.accounts.models import Role, RoleAssignment
from apps.accounts.permissions import may_appoint
from apps.core.errors import DomainError, Invalid
from apps.ledger import certificates
from apps.ledger import errors as ledger_errors
from apps.orgs import services as org_services
from apps.orgs.models import Member, PartyOrg, PartyOrgKind
from apps.orgs.selectors import member_affiliations
from apps.places import services as place_services
from apps.places.models import Community, CommunityKind, District, Grid, Street
from apps.web.access import RolePageMixin, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.manage import forms
from apps.web.manage.pairings import OrganSidePageMixin
from apps.web.manage.receipts import receipt_branches
from apps.web.manage.views import ManagePage, manages_members, manages_places

PAGE_SIZE = 30


def manages_people(scope):
    return manages_places(scope) or manages_members(scope)


class MembersPageMixin(RolePageMixin):
    role_test = manages_members
    section = "manage"
    role_label = gettext_lazy("This page is for organ committees.")


class PlacesPageMixin(RolePageMixin):
    role_test = manages_places
    section = "manage"
    role_label = gettext_lazy("This page is for district and street administrators.")


class OrgMembersPageMixin(OrganSidePageMixin):
    """The members pages and the move: organ reviewers and branch secretaries (whom the API lets move a member)."""

    subnav = "members"


# --- members of the reviewer's organs or the secretary's branch ---------------------------------------------------


def managed_members(scope):
    """The members of the organs the user reviews (a superuser: everyone): deactivation, certificates, secretaries."""
    members = Member.objects.select_related("user", "organ", "branch")
    return members if scope.is_superuser else members.filter(organ_id__in=scope.organ_ids)


def org_members(scope):
    """The members whose organization the user manages: a reviewer's organs, a branch secretary's Party-org subtree
    (a superuser: everyone). These are the members apps.orgs.services.member_move lets the user move."""
    return Member.objects.select_related("user", "organ", "branch").filter(scope.org_q())


def managed_branches(scope):
    branches = PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).select_related("organ").order_by("organ__name", "path")
    return branches if scope.is_superuser else branches.filter(organ_id__in=scope.organ_ids)


def move_party_orgs(scope, member):
    """The Party organizations a move form takes: those of the member's organ and of the organs the user reviews.

    apps.orgs.services.member_move accepts any branch and says itself what is not one (branch_required) or is the
    member's own (same_branch), as in the API. Moving a member into another organ is the transfer's (调出,
    MemberTransferView), which searches the other organs' branches instead of listing the whole city.
    """
    organs = {member.organ_id, *scope.organ_ids}
    return PartyOrg.objects.filter(organ_id__in=organs).select_related("organ").order_by("organ__name", "path")


def move_targets(scope, member):
    """The branches the move form lists: every one member_move accepts among move_party_orgs."""
    return move_party_orgs(scope, member).filter(kind=PartyOrgKind.BRANCH).exclude(pk=member.branch_id)


class MemberListView(OrgMembersPageMixin, ManagePage):
    template_name = "web/manage/members.html"

    @property
    def title(self):
        if manages_members(self.scope):
            return _("Members of my organ")
        return _("Members of my branch")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.MemberSearchForm(self.request.GET or None, branches=receipt_branches(self.scope))
        members = org_members(self.scope).order_by("organ_id", "branch_id", "user__name", "id")
        if form.is_valid():
            q = form.cleaned_data["q"].strip()
            if q:
                members = members.filter(Q(user__name__contains=q) | Q(user__phone__contains=q))
            if form.cleaned_data["branch"]:
                members = members.filter(branch=form.cleaned_data["branch"])
            if form.cleaned_data["active"] in ("0", "1"):
                members = members.filter(is_active=form.cleaned_data["active"] == "1")
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page_obj=Paginator(members, PAGE_SIZE).get_page(self.request.GET.get("page")),
            query=query.urlencode(),
        )
        return context


class MemberDetailView(OrgMembersPageMixin, ManagePage):
    """A member's page: their branch history and the move for whoever manages their branch; deactivation, the
    certificate and the appointment as branch secretary for the organ's reviewers only."""

    template_name = "web/manage/member_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = object_or_404(org_members(self.scope), kwargs["pk"])
        reviews_member = manages_members(self.scope) and self.scope.covers_organ(member.organ_id)
        context.update(
            title=member.user.name,
            member=member,
            reviews_member=reviews_member,
            affiliations=member_affiliations(member=member),
            secretary_of=_appointments(self.request.user, user=member.user, role=Role.BRANCH_SECRETARY),
            move_form=forms.MemberMoveForm(branches=move_targets(self.scope, member)),
            transfer_search=forms.TransferSearchForm(auto_id="transfer-search-%s"),
        )
        if not reviews_member:
            return context
        context.update(
            reason_form=forms.ReasonForm(),
            certificate_form=forms.CertificateIssueForm(
                initial={
                    "period_start": timezone.localdate().replace(month=1, day=1),
                    "period_end": timezone.localdate(),
                }
            ),
            secretary_branches=managed_branches(self.scope).filter(organ_id=member.organ_id),
        )
        return context


class _MemberAction(MembersPageMixin, ActionView):
    def member(self, pk):
        return object_or_404(managed_members(self.scope), pk)

    def redirect_to(self, pk):
        return reverse("manage:member-detail", args=[pk])


class MemberMoveView(OrgMembersPageMixin, ActionView):
    """Move a member to another branch: whoever manages their branch (organ reviewers, branch secretaries), as in the
    API; member_move decides."""

    def perform(self, request, pk):
        member = object_or_404(org_members(self.scope), pk)
        form = forms.MemberMoveForm(request.POST, branches=move_party_orgs(self.scope, member))
        if not form.is_valid():
            messages.error(request, _("Choose the branch the member moves to."))
            return ""
        org_services.member_move(
            member=member, branch=form.cleaned_data["branch"], reason=form.cleaned_data["reason"], actor=request.user
        )
        return _("%(name)s moved to %(branch)s.") % {"name": member.user.name, "branch": form.cleaned_data["branch"]}

    def redirect_to(self, pk):
        # A secretary who moved the member out of their branch no longer sees them: back to the list then.
        if org_members(self.scope).filter(pk=pk).exists():
            return reverse("manage:member-detail", args=[pk])
        return reverse("manage:members")


# --- the transfer to another organ (调出) ------------------------------------------------------------------------

TRANSFER_RESULTS = 30


def transfer_targets(member):
    """The branches a transfer takes the member to: every branch of another organ (member_move accepts any branch in
    the city; the own organ's are the move's)."""
    return (
        PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH)
        .exclude(organ_id=member.organ_id)
        .select_related("organ")
        .order_by("organ__name", "path", "pk")
    )


def transfer_search(member, q):
    """The transfer targets whose organ (name or short name) or branch name holds `q`: at most TRANSFER_RESULTS, and
    whether more match (then the page asks for a narrower search)."""
    found = list(
        transfer_targets(member).filter(
            Q(organ__name__icontains=q) | Q(organ__short_name__icontains=q) | Q(name__icontains=q)
        )[: TRANSFER_RESULTS + 1]
    )
    return found[:TRANSFER_RESULTS], len(found) > TRANSFER_RESULTS


class MemberTransferView(OrgMembersPageMixin, ManagePage):
    """Transfer a member to a branch of another organ (调出): whoever may move them (member_move: whoever manages
    their branch), as the API's move does. GET searches the branches; POST calls member_move."""

    template_name = "web/manage/member_transfer.html"

    def get(self, request, pk):
        member = object_or_404(org_members(self.scope), pk)
        search = forms.TransferSearchForm(request.GET if "q" in request.GET else None, auto_id="transfer-search-%s")
        q = search.cleaned_data["q"] if search.is_valid() else ""
        form = forms.MemberTransferForm(initial={"q": q, "on": timezone.localdate()}, branches=transfer_targets(member))
        return self.render_page(member, search, form)

    def post(self, request, pk):
        member = object_or_404(org_members(self.scope), pk)
        form = forms.MemberTransferForm(request.POST, branches=transfer_targets(member))
        if form.is_valid():
            branch = form.cleaned_data["branch"]
            try:
                org_services.member_move(
                    member=member,
                    branch=branch,
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as error:
                add_form_error(form, error)
            else:
                # Their organ lost them: the member is no longer the user's to see (unless the user manages the new
                # organ too), so the list, not their page.
                messages.success(
                    request,
                    _("%(name)s transferred to %(organ)s, %(branch)s.")
                    % {"name": member.user.name, "organ": branch.organ.name, "branch": branch.name},
                )
                return HttpResponseRedirect(reverse("manage:members"))
        # The search the choice came from, listed again with the form's errors.
        q = request.POST.get("q", "")
        search = forms.TransferSearchForm({"q": q} if q else None, auto_id="transfer-search-%s")
        return self.render_page(member, search, form)

    def render_page(self, member, search, form):
        results, more = transfer_search(member, search.cleaned_data["q"]) if search.is_valid() else ([], False)
        # The radio buttons list the search's results only; the form itself takes any branch of another organ.
        form.fields["branch"].queryset = transfer_targets(member).filter(pk__in=[b.pk for b in results])
        return self.render_to_response(
            self.get_context_data(
                title=_("Transfer %(name)s to another organ") % {"name": member.user.name},
                member=member,
                search=search,
                form=form,
                results=results,
                more_results=more,
            )
        )


class MemberCertificateView(_MemberAction):
    """The organ issues a member's service certificate (the member may issue their own on their pages)."""

    def perform(self, request, pk):
        member = self.member(pk)
        form = forms.CertificateIssueForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the first and the last day of the period."))
            return ""
        start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
        if end < start:
            raise Invalid("period_invalid", ledger_errors.PERIOD_INVALID)
        certificate = certificates.certificate_issue(
            member=member, actor=request.user, period_start=start, period_end=end
        )
        self.certificate_number = certificate.number
        return _("Certificate %(number)s issued to %(name)s.") % {
            "number": certificate.number,
            "name": member.user.name,
        }

    def redirect_to(self, pk):
        if getattr(self, "certificate_number", None):
            return reverse("manage:certificates") + "?" + urlencode({"q": self.certificate_number})
        return reverse("manage:member-detail", args=[pk])


class MemberActiveView(_MemberAction):
    def perform(self, request, pk):
        member = self.member(pk)
        active = request.POST.get("active") == "1"
        # The service judges the reason (200 characters at most: text_too_long); an invalid form would drop it.
        reason = request.POST.get("reason", "")
        org_services.member_set_active(member=member, active=active, reason=reason, actor=request.user)
        return _("The member is active again.") if active else _("The member is deactivated; their history stays.")


class MemberSecretaryView(_MemberAction):
    def perform(self, request, pk):
        member = self.member(pk)
        branch_id = request.POST.get("branch", "")
        branches = managed_branches(self.scope).filter(organ_id=member.organ_id)
        branch = branches.filter(pk=branch_id).first() if branch_id.isdigit() else None
        if branch is None:
            messages.error(request, _("Choose a branch of the member's organ."))
            return ""
        account_services.role_appoint(user=member.user, role=Role.BRANCH_SECRETARY, node=branch, actor=request.user)
        return _("%(name)s is now secretary of %(branch)s.") % {"name": member.user.name, "branch": branch.name}


# --- places and their staff ---------------------------------------------------------------------------------------


def managed_communities(scope):
    communities = Community.objects.select_related("street").order_by("street__code", "code")
    if scope.is_superuser:
        return communities
    return communities.filter(Q(street__district_id__in=scope.district_ids) | Q(street_id__in=scope.street_ids))


def managed_streets(scope):
    streets = Street.objects.order_by("code")
    if scope.is_superuser:
        return streets
    return streets.filter(Q(district_id__in=scope.district_ids) | Q(pk__in=scope.street_ids))


# What may_appoint reads of each role's node, so that marking who may end an appointment costs no query per row.
_NODE_PATHS = ("user", "community__street", "grid__community__street", "street", "party_org__organ", "organ")


def _appointments(viewer, **where):
    """Appointments, each marked `can_end` when `viewer` may end it (the page shows its End button only then)."""
    found = list(RoleAssignment.objects.filter(**where).select_related(*_NODE_PATHS).order_by("user__name", "id"))
    for assignment in found:
        assignment.can_end = may_appoint(viewer, assignment.role, assignment.scope_node)
    return found


def place_targets(scope):
    """Appointments the places page offers: district administrators (superuser) and street administrators."""
    targets = []
    if scope.is_superuser:
        for district in District.objects.order_by("code"):
            label = _("District administrator · %(place)s") % {"place": district}
            targets.append((f"d{district.pk}", label, Role.DISTRICT_ADMIN, district))
    streets = Street.objects.order_by("code")
    if not scope.is_superuser:
        streets = streets.filter(district_id__in=scope.district_ids)
    for street in streets:
        targets.append(
            (f"s{street.pk}", _("Street administrator · %(place)s") % {"place": street}, Role.STREET_ADMIN, street)
        )
    return targets


def community_targets(community, grids):
    """Appointments a community's page offers: its staff and the grid worker of each of its grids."""
    label = _("Community staff · %(place)s") % {"place": community}
    targets = [(f"c{community.pk}", label, Role.COMMUNITY_STAFF, community)]
    targets += [(f"g{g.pk}", _("Grid worker · %(place)s") % {"place": g}, Role.GRID_WORKER, g) for g in grids]
    return targets


class PlaceListView(PlacesPageMixin, ManagePage):
    template_name = "web/manage/places.html"
    title = gettext_lazy("Places and staff")
    subnav = "places"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        communities = managed_communities(self.scope)
        streets = {street: [] for street in managed_streets(self.scope)}  # a street without communities too
        for community in communities:
            streets.setdefault(community.street, []).append(community)
        admins = {}
        for assignment in _appointments(self.request.user, role=Role.STREET_ADMIN, street__in=list(streets)):
            admins.setdefault(assignment.street_id, []).append(assignment)
        for street in streets:
            street.admins = admins.get(street.pk, [])
        targets = place_targets(self.scope)
        context.update(
            district_form=forms.DistrictForm() if self.scope.is_superuser else None,
            districts=District.objects.order_by("code") if self.scope.is_superuser else None,
            streets=streets,
            appoint_form=forms.AppointForm(targets=targets) if targets else None,
        )
        return context


class CommunityStaffView(PlacesPageMixin, ManagePage):
    template_name = "web/manage/community.html"
    subnav = "places"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = object_or_404(managed_communities(self.scope), kwargs["pk"])
        grids = list(Grid.objects.filter(community=community).order_by("code"))
        workers = {}
        for assignment in _appointments(self.request.user, role=Role.GRID_WORKER, grid__in=grids):
            workers.setdefault(assignment.grid_id, []).append(assignment)
        context.update(
            title=community.name,
            community=community,
            staff=_appointments(self.request.user, role=Role.COMMUNITY_STAFF, community=community),
            grids=[(g, workers.get(g.pk, [])) for g in grids],
            appoint_form=forms.AppointForm(targets=community_targets(community, grids)),
            kind_choices=CommunityKind.choices,
        )
        return context


class CommunityKindView(PlacesPageMixin, ActionView):
    """Say what kind of place a community is (places.services.community_set_kind)."""

    def perform(self, request, pk):
        community = object_or_404(managed_communities(self.scope), pk)
        kind = request.POST.get("kind", "")
        community = place_services.community_set_kind(community=community, kind=kind, actor=request.user)
        return _("%(name)s is now: %(kind)s.") % {"name": community.name, "kind": community.get_kind_display()}

    def redirect_to(self, pk):
        return reverse("manage:community", args=[pk])


class AppointView(PlacesPageMixin, ActionView):
    """Appoint someone from the places page (street or district administrators) or a community's page."""

    def targets(self, pk):
        if pk is None:
            return place_targets(self.scope)
        community = object_or_404(managed_communities(self.scope), pk)
        return community_targets(community, Grid.objects.filter(community=community).order_by("code"))

    def perform(self, request, pk=None):
        form = forms.AppointForm(request.POST, targets=self.targets(pk))
        if not form.is_valid():
            messages.error(request, _("Give the person's name and mobile number, and choose the role."))
            return ""
        role, node = form.role_and_node()
        _assignment, created = account_services.person_appoint(
            phone=form.cleaned_data["phone"], name=form.cleaned_data["name"], role=role, node=node, actor=request.user
        )
        if not created:
            return _("This person already holds this role.")
        return _("%(name)s is appointed. They sign in the first time with a one-time code sent to their number.") % {
            "name": form.cleaned_data["name"]
        }

    def redirect_to(self, pk=None):
        return reverse("manage:community", args=[pk]) if pk else reverse("manage:places")


class DistrictCreateView(PlacesPageMixin, ActionView):
    """A superuser puts a district on the platform; its administrator is appointed on the same page."""

    def perform(self, request):
        if not self.scope.is_superuser:
            raise PermissionDenied
        form = forms.DistrictForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the district's code, name and centre point (longitude and latitude)."))
            return ""
        district = place_services.district_create(actor=request.user, **form.cleaned_data)
        return _("The district %(name)s was created: appoint its administrator below.") % {"name": district.name}

    def redirect_to(self):
        return reverse("manage:places")


class RoleRevokeView(RolePageMixin, ActionView):
    """End an appointment the user may make (places: administrators; secretaries: organ reviewers)."""

    role_test = manages_people
    section = "manage"

    def perform(self, request, pk):
        assignment = RoleAssignment.objects.select_related("user").filter(pk=pk).first()
        if assignment is None or not may_appoint(request.user, assignment.role, assignment.scope_node):
            raise Http404
        account_services.role_revoke(assignment=assignment, actor=request.user)
        return _("%(name)s no longer holds the role %(role)s.") % {
            "name": assignment.user.name,
            "role": assignment.get_role_display(),
        }

    def redirect_to(self, pk):
        return reverse("manage:home")
