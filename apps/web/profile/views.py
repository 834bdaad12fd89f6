"""A member's own standing: registration with a community, hours, points, star level, certificates and posts.

Every figure comes from the selectors the API uses (apps.ledger.selectors.member_summary is the API's "my
summary"); every change goes through the registrations, activities and ledger services.
"""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from apps.activities import hours as activity_hours
from apps.activities.hours_selectors import signup_for_hours_get
from apps.activities.models import SignUp
from apps.core.errors import Conflict, DomainError
from apps.core.figures import ratio_of
from apps.core.paging import OneQueryPagesMixin
from apps.ledger import certificates, self_services
from apps.ledger.models import RecordStatus, ServiceSource
from apps.ledger.points import service_points
from apps.ledger.selectors import day_bounds, member_summary, period_q, record_list
from apps.places import geocoding
from apps.places.models import RESIDENTIAL_KINDS
from apps.registrations import errors as registration_errors
from apps.registrations import services as registration_services
from apps.registrations.models import ACTIVE_REGISTRATION_STATUSES, RegistrationStatus
from apps.registrations.selectors import (
    evaluation_list,
    member_of,
    post_claim_list,
    post_claim_open_get,
    post_list,
    registration_list_mine,
)
from apps.stats.models import StarSubject
from apps.stats.periods import year_period
from apps.stats.selectors import star_level, star_thresholds, target_minutes
from apps.web import registration_certificate
from apps.web.access import MemberPageMixin, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.profile.forms import AddressForm, DisputeForm, SelfServiceForm, YearForm


def _year_bounds(year):
    return day_bounds(date(year, 1, 1), date(year, 12, 31))


class ProfilePageMixin(MemberPageMixin):
    """The member pages of /me/: the member profile at hand, and which tab of the page's subnav is current."""

    tab = ""

    @cached_property
    def member(self):
        """The member profile, read when a page needs more of it than its id (the scope's member_id)."""
        return member_of(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tab"] = self.tab
        return context


def _current_registration(user):
    return registration_list_mine(user=user).filter(status__in=ACTIVE_REGISTRATION_STATUSES).first()


# --- overview -------------------------------------------------------------------------------------------------------


class OverviewView(ProfilePageMixin, TemplateView):
    """This year's standing: registration, hours against the annual target, points, star level, evaluation, post."""

    template_name = "web/profile/overview.html"
    tab = "overview"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, member = self.request.user, self.member
        year = timezone.localdate().year
        start, end = _year_bounds(year)
        summary = member_summary(member=member, start=start, end=end)
        target = target_minutes(year_period(year))
        thresholds = star_thresholds(year, StarSubject.MEMBER)
        stars = star_level(summary["points"], thresholds)
        next_threshold = next((t for t in thresholds if summary["points"] < t), None)
        evaluations = evaluation_list(user=user, filters={"member": member}).filter(year__gte=year - 1)
        context.update(
            year=year,
            summary=summary,
            target_minutes=target,
            target_percent=min(100, int(ratio_of(summary["minutes"] * 100, target, 0))) if target else None,
            remaining_minutes=max(target - summary["minutes"], 0),
            stars=stars,
            star_range=range(1, 6),
            next_threshold=next_threshold,
            points_to_next=(next_threshold - summary["points"]) if next_threshold else None,
            registration=_current_registration(user),
            evaluations=list(evaluations.order_by("-year", "community__name")),
            posts=list(
                post_claim_list(user=user).filter(member=member, released_at__isnull=True).order_by("claimed_at", "id")
            ),
        )
        return context


# --- registration ---------------------------------------------------------------------------------------------------


class RegistrationView(ProfilePageMixin, TemplateView):
    """Register with the residential community: look the address up first (a GET that saves nothing), then submit
    it (POST registration_submit), or, when already registered, move house (POST registration_move)."""

    template_name = "web/profile/registration.html"
    tab = "registration"

    def get(self, request, *args, **kwargs):
        form = AddressForm(request.GET) if "address" in request.GET else AddressForm()
        preview = None
        if form.is_bound and form.is_valid():
            try:
                preview = geocoding.resolve_address(form.cleaned_data["address"], kinds=RESIDENTIAL_KINDS)
            except DomainError as error:
                add_form_error(form, error)
        return self.render_to_response(self.get_context_data(form=form, preview=preview))

    def post(self, request, *args, **kwargs):
        form = AddressForm(request.POST)
        moving = request.POST.get("action") == "move"
        if form.is_valid():
            service = registration_services.registration_move if moving else registration_services.registration_submit
            try:
                registration = service(member=self.member, address=form.cleaned_data["address"])
            except DomainError as error:
                add_form_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your registration with %(community)s is waiting for the community to confirm it.")
                    % {"community": registration.community.name},
                )
                return redirect("profile:registration")
        return self.render_to_response(self.get_context_data(form=form, preview=None))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registrations = list(registration_list_mine(user=self.request.user).order_by("-submitted_at", "-id"))
        current = next((r for r in registrations if r.status in ACTIVE_REGISTRATION_STATUSES), None)
        context.update(
            current=current,
            history=[r for r in registrations if r is not current],
            can_withdraw=current is not None and current.status == RegistrationStatus.PENDING,
        )
        return context


class RegistrationWithdrawView(ProfilePageMixin, ActionView):
    def perform(self, request, pk):
        registration = object_or_404(registration_list_mine(user=request.user), pk)
        registration_services.registration_withdraw(registration=registration, actor=request.user)
        return _("Your registration has been withdrawn.")

    def redirect_to(self, **kwargs):
        return reverse("profile:registration")


class RegistrationCertificateView(ProfilePageMixin, registration_certificate.RegistrationCertificateView):
    """My registration certificate and its receipt as a PDF, to print (a read: confirmation issued them)."""

    back_to = "profile:registration"

    def on_this_page(self, registration):
        return registration.member_id == self.scope.member_id


# --- hours ----------------------------------------------------------------------------------------------------------


# What "my hours" shows of a record (and what its links and badges need): the rest is not read.
_HOURS_RECORD_FIELDS = (
    "id",
    "content",
    "started_at",
    "source",
    "source_id",
    "status",
    "decision_reason",
    "credited_minutes",
    "residents_served",
    "community__name",
)


class HoursView(ProfilePageMixin, OneQueryPagesMixin, ListView):
    """My service records of a year, newest first, with the year's totals straight from the ledger."""

    template_name = "web/profile/hours.html"
    tab = "hours"
    paginate_by = 20
    context_object_name = "records"

    def get_queryset(self):
        this_year = timezone.localdate().year
        self.year_form = YearForm(self.request.GET if "year" in self.request.GET else {"year": this_year})
        self.year = self.year_form.cleaned_data["year"] if self.year_form.is_valid() else this_year
        self.start, self.end = _year_bounds(self.year)
        return (
            record_list(user=self.request.user)
            .filter(period_q(self.start, self.end), member_id=self.scope.member_id)
            .select_related(None)
            .select_related("community")
            .only(*_HOURS_RECORD_FIELDS)
            .order_by("-started_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = list(context["records"])
        # The sign-ups behind this page's activity records: whether each has been disputed (one query).
        signup_ids = [r.source_id for r in records if r.source == ServiceSource.ACTIVITY and r.source_id]
        signups = {
            s.pk: s
            for s in SignUp.objects.filter(pk__in=signup_ids, member_id=self.scope.member_id).only(
                "id", "disputed_at", "hours_status"
            )
        }
        registered = self_services.self_services_of(records)
        rows = []
        for record in records:
            points = None
            if record.status == RecordStatus.APPROVED:
                points = service_points(
                    minutes=max(record.effective_minutes, 0), is_wish=record.source == ServiceSource.WISH
                )
            signup = signups.get(record.source_id) if record.source == ServiceSource.ACTIVITY else None
            rows.append(
                {"record": record, "points": points, "signup": signup, "self_service": registered.get(record.pk)}
            )
        context.update(
            rows=rows,
            year=self.year,
            year_form=self.year_form,
            extra_query=f"year={self.year}",
            years=range(timezone.localdate().year, timezone.localdate().year - 5, -1),
            totals=member_summary(member=self.scope.member_id, start=self.start, end=self.end),
            dispute_form=DisputeForm(),
        )
        return context


class SelfServiceRegisterView(ProfilePageMixin, FormView):
    """服务登记: the member registers a service they did; the staff of the community where it was done decide."""

    template_name = "web/profile/self_service.html"
    form_class = SelfServiceForm
    tab = "hours"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.member}

    def get_initial(self):
        registration = _current_registration(self.request.user)
        return {"community": registration.community_id if registration else None}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            max_days=settings.SELF_SERVICE_MAX_AGE_DAYS,
            daily_hours=round(settings.SELF_SERVICE_DAILY_MAX_MINUTES / 60, 1),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self_services.self_service_register(actor=self.request.user, **data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your service is registered. The staff of the community will review it."))
        return redirect("profile:hours")


class HoursDisputeView(ProfilePageMixin, ActionView):
    """Dispute the hours credited for one of my activity sign-ups (once, with a reason)."""

    def perform(self, request, pk):
        signup = signup_for_hours_get(user=request.user, pk=pk)
        if signup is None or signup.member_id != self.scope.member_id:
            raise Http404
        activity_hours.hours_dispute(signup=signup, actor=request.user, reason=request.POST.get("reason", ""))
        return _("Your objection has been sent to the community; they will decide the hours again.")

    def redirect_to(self, **kwargs):
        return reverse("profile:hours")


# --- certificates ---------------------------------------------------------------------------------------------------


def _verify_base_url(request):
    """Where the public check lives: the configured public address, else this site (as the API's download)."""
    return certificates.certificate_base_url(request)


class CertificatesView(ProfilePageMixin, TemplateView):
    """My certificates (志愿服务证明) to download, and issuing one for a year (POST: it writes the certificate)."""

    template_name = "web/profile/certificates.html"
    tab = "certificates"

    def get(self, request, *args, **kwargs):
        form = YearForm(initial={"year": timezone.localdate().year})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = YearForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            try:
                certificate = certificates.certificate_issue(
                    member=self.member,
                    actor=request.user,
                    period_start=date(year, 1, 1),
                    period_end=min(date(year, 12, 31), timezone.localdate()),
                )
            except DomainError as error:
                add_form_error(form, error)
            else:
                messages.success(request, _("Certificate %(number)s is ready.") % {"number": certificate.number})
                return redirect("profile:certificates")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["certificates"] = list(
            certificates.certificate_list(user=self.request.user).filter(member_id=self.scope.member_id)
        )
        context["years"] = range(timezone.localdate().year, timezone.localdate().year - 5, -1)
        return context


class CertificatePdfView(ProfilePageMixin, View):
    """The certificate as a PDF download (a read: the certificate was issued before)."""

    def get(self, request, pk):
        certificate = certificates.certificate_get(user=request.user, pk=pk)
        if certificate is None or certificate.member_id != self.scope.member_id:
            raise Http404
        content = certificates.certificate_pdf(certificate, base_url=_verify_base_url(request))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
        return response


# --- standing posts -------------------------------------------------------------------------------------------------


def _confirmed_registration(user):
    return registration_list_mine(user=user).filter(status=RegistrationStatus.CONFIRMED).first()


class PostsView(ProfilePageMixin, TemplateView):
    """设岗认岗: the active posts of my community, their holders, and claiming or giving up a post."""

    template_name = "web/profile/posts.html"
    tab = "posts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration = _confirmed_registration(self.request.user)
        posts = []
        if registration is not None:
            queryset = post_list(user=self.request.user).filter(community=registration.community, is_active=True)
            for post in queryset:
                post.held_by_me = any(c.member_id == self.scope.member_id for c in post.open_claims)
                post.is_full = post.capacity is not None and post.holder_count >= post.capacity
                posts.append(post)
        context.update(registration=registration, posts=posts)
        return context


def _visible_post(user, pk):
    return object_or_404(post_list(user=user), pk)


class PostClaimView(ProfilePageMixin, ActionView):
    def perform(self, request, pk):
        post = _visible_post(request.user, pk)
        registration_services.post_claim(post=post, member=self.member)
        return _("You now hold the post %(title)s.") % {"title": post.title}

    def redirect_to(self, **kwargs):
        return reverse("profile:posts")


class PostReleaseView(ProfilePageMixin, ActionView):
    def perform(self, request, pk):
        post = _visible_post(request.user, pk)
        claim = post_claim_open_get(post=post, member=self.member)
        if claim is None:
            raise Conflict("post_not_claimed", registration_errors.POST_NOT_CLAIMED)
        registration_services.post_release(claim=claim, actor=request.user)
        return _("You gave up the post %(title)s.") % {"title": post.title}

    def redirect_to(self, **kwargs):
        return reverse("profile:posts")
