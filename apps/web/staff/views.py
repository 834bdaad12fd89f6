"""Pages of community staff and grid workers (the desk): registrations, wishes, activities, check-in, hours, reviews.

Every read goes through the apps' scoped selectors, narrowed to the user's own geography (their communities and
grids) because the desk is where they work, not where they serve as members; every change is a POST calling one
service, whose domain errors are shown with their codes. Objects outside the desk's scope read as 404.
"""

from math import ceil
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.activities import checkin, exports, hours, hours_selectors
from apps.activities import selectors as activity_selectors
from apps.activities import services as activity_services
from apps.activities.models import ActivityStatus, Attendance, HoursStatus, SignUp, SignUpStatus
from apps.activities.permissions import organizer_q, require_organizer
from apps.core.errors import DomainError
from apps.ledger.models import RecordStatus, ServiceRecord, ServiceSource
from apps.ledger.selectors import day_bounds
from apps.orgs.models import Member
from apps.registrations import selectors as registration_selectors
from apps.registrations import services as registration_services
from apps.registrations.models import EvaluationGrade, RegistrationStatus
from apps.residents import selectors as resident_selectors
from apps.residents.models import RequestStatus
from apps.web import registration_certificate
from apps.web.access import StaffPageMixin, found_or_404, object_or_404
from apps.web.feedback import ActionView, add_form_error
from apps.web.staff import forms
from apps.wishes import contact_views
from apps.wishes import selectors as wish_selectors
from apps.wishes import services as wish_services
from apps.wishes.models import WishStatus
from apps.wishes.privacy import wish_resident

PAGE_SIZE = 20
PENDING_HOURS = (HoursStatus.PENDING, HoursStatus.DISPUTED)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class DeskPage(StaffPageMixin, TemplateView):
    """A desk page: the staff section, its sub-navigation entry and title."""

    subnav = "home"
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("subnav", self.subnav)
        context.setdefault("title", self.title)
        return context


# --- what the desk covers: each app's scoped selector, narrowed to the user's communities and grids ---------------


def desk_registrations(user, scope):
    return registration_selectors.registration_list(user=user).filter(scope.geo_q())


def desk_wishes(user, scope):
    return wish_selectors.wish_list(user=user).filter(scope.geo_q())


def desk_activities(user, scope):
    """The activities the user runs (as the API's organizers: staff, grid worker, creator)."""
    return activity_selectors.activity_list(user=user).filter(organizer_q(user))


def _organized_activity(user, pk):
    return found_or_404(activity_selectors.activity_organized_get(user=user, pk=pk))


def _led_activity(user, pk):
    return found_or_404(hours_selectors.activity_led_get(user=user, pk=pk))


def _hours_signup(user, pk):
    return found_or_404(hours_selectors.signup_for_hours_get(user=user, pk=pk))


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- home -------------------------------------------------------------------------------------------------------


class HomeView(DeskPage):
    template_name = "web/staff/home.html"
    title = gettext_lazy("Community desk")

    def get_context_data(self, **kwargs):
        user, scope = self.request.user, self.scope
        today_start, today_end = day_bounds(timezone.localdate(), timezone.localdate())
        wishes = desk_wishes(user, scope).order_by()
        hours_waiting = SignUp.objects.filter(
            hours_status__in=PENDING_HOURS,
            activity__in=desk_activities(user, scope)
            .filter(Q() if scope.is_superuser else Q(community__in=scope.staff_community_ids))
            .values("pk"),
        )
        counts = [
            {
                "label": _("Registrations to confirm"),
                "value": desk_registrations(user, scope).filter(status=RegistrationStatus.PENDING).count(),
                "url": reverse("staff:registrations"),
            },
            {
                "label": _("Resident requests to decide"),
                "value": resident_selectors.request_list(user=user).filter(status=RequestStatus.RECEIVED).count(),
                "url": reverse("staff:resident-requests"),
            },
            {
                "label": _("Wishes to verify"),
                "value": wishes.filter(status=WishStatus.PENDING_REVIEW).count(),
                "url": reverse("staff:wishes") + "?status=pending_review",
            },
            {
                "label": _("Fulfilled wishes to confirm"),
                "value": wishes.filter(status=WishStatus.FULFILLED).count(),
                "url": reverse("staff:wishes") + "?status=fulfilled",
            },
            {
                "label": _("Activities today"),
                "value": desk_activities(user, scope)
                .filter(starts_at__lt=today_end, ends_at__gt=today_start)
                .exclude(status=ActivityStatus.CANCELLED)
                .count(),
                "url": reverse("staff:activities") + "?when=today",
            },
            {
                "label": _("Hours awaiting approval"),
                "value": hours_waiting.count(),
                "url": reverse("staff:activities") + "?hours=pending",
            },
        ]
        if scope.is_superuser or scope.staff_community_ids:
            manual = ServiceRecord.objects.filter(
                source=ServiceSource.MANUAL, status=RecordStatus.PENDING, amends__isnull=True
            ).exclude(member__user=user)
            if not scope.is_superuser:
                manual = manual.filter(community__in=scope.staff_community_ids)
            registered = ServiceRecord.objects.filter(
                source=ServiceSource.SELF, status=RecordStatus.PENDING, amends__isnull=True
            ).exclude(member__user=user)
            if not scope.is_superuser:
                registered = registered.filter(community__in=scope.staff_community_ids)
            counts.append(
                {
                    "label": _("Manual entries awaiting approval"),
                    "value": manual.count(),
                    "url": reverse("staff:records") + "?status=pending&source=manual",
                }
            )
            counts.append(
                {
                    "label": _("Self-registered services awaiting approval"),
                    "value": registered.count(),
                    "url": reverse("staff:records") + "?status=pending&source=self",
                }
            )
        return super().get_context_data(counts=counts, **kwargs)


# --- registrations ----------------------------------------------------------------------------------------------


class RegistrationListView(DeskPage):
    template_name = "web/staff/registrations.html"
    subnav = "registrations"
    title = gettext_lazy("Registration review")

    def get_context_data(self, **kwargs):
        data = self.request.GET if "status" in self.request.GET else {"status": RegistrationStatus.PENDING}
        filters = forms.RegistrationFilterForm(data)
        registrations = desk_registrations(self.request.user, self.scope).order_by("submitted_at", "id")
        if filters.is_valid():
            status = filters.cleaned_data["status"]
            registrations = registrations.filter(status=status) if status else registrations
        else:
            registrations = registrations.none()
        page_obj = _page(self.request, registrations)
        for registration in page_obj.object_list:
            # Grid workers see their grid's registrations; confirming or rejecting is the community staff's.
            registration.may_decide = self.scope.manages_community(registration.community_id)
        return super().get_context_data(
            filters=filters,
            page_obj=page_obj,
            query=_query_without_page(self.request),
            **kwargs,
        )


class _RegistrationAction(StaffPageMixin, ActionView):
    def registration(self, request, pk):
        return object_or_404(desk_registrations(request.user, self.scope), pk)

    def redirect_to(self, **kwargs):
        return reverse("staff:registrations")


class RegistrationConfirmView(_RegistrationAction):
    def perform(self, request, pk):
        registration = registration_services.registration_confirm(
            registration=self.registration(request, pk), actor=request.user
        )
        return _("Registration of %(name)s confirmed. Receipt number: %(number)s.") % {
            "name": registration.member.user.name,
            "number": registration.receipt_number,
        }


class RegistrationRejectView(_RegistrationAction):
    def perform(self, request, pk):
        registration = registration_services.registration_reject(
            registration=self.registration(request, pk), actor=request.user, reason=request.POST.get("reason", "")
        )
        return _("Registration of %(name)s rejected.") % {"name": registration.member.user.name}


class RegistrationCertificateView(StaffPageMixin, registration_certificate.RegistrationCertificateView):
    """The certificate and receipt of a registration the community confirmed, to print for the member (its staff;
    grid workers see the registrations of their grid but do not print them)."""

    back_to = "staff:registrations"


# --- wishes -----------------------------------------------------------------------------------------------------


def _with_resident(wishes):
    """The resident's name as the viewer may see it in a list (apps.wishes.privacy, as in the API)."""
    for wish in wishes:
        wish.resident_shown = wish_resident(wish, contact=False).name
        claims = getattr(wish, "current_claims", None) or []
        wish.claim = claims[0] if claims else None
    return wishes


class WishListView(DeskPage):
    template_name = "web/staff/wishes.html"
    subnav = "wishes"
    title = gettext_lazy("Micro-wishes")

    def get_context_data(self, **kwargs):
        filters = forms.WishFilterForm(self.request.GET or None)
        wishes = desk_wishes(self.request.user, self.scope).order_by("-created_at", "-id")
        if filters.is_bound:
            if filters.is_valid():
                status = filters.cleaned_data["status"]
                wishes = wishes.filter(status=status) if status else wishes
            else:
                wishes = wishes.none()
        page_obj = _page(self.request, wishes)
        _with_resident(page_obj.object_list)
        return super().get_context_data(
            filters=filters, page_obj=page_obj, query=_query_without_page(self.request), **kwargs
        )


class WishCreateView(StaffPageMixin, FormView):
    template_name = "web/staff/wish_new.html"
    form_class = forms.WishCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subnav="wishes", title=_("Post a micro-wish"), **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        data["form"] = data.pop("wish_form")
        data["photo"] = data.pop("photo") or None
        try:
            wish = wish_services.wish_create(actor=self.request.user, **data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        except ValidationError as error:  # the model's own checks (full_clean), rolled back with the transaction
            for field, errors in error.message_dict.items():
                field = "wish_form" if field == "form" else field
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        outcome = {
            WishStatus.PUBLISHED: _("Wish published: %(title)s."),
            WishStatus.PENDING_REVIEW: _("Wish sent to the community for verification: %(title)s."),
        }.get(wish.status, _("Wish saved as a draft: %(title)s."))
        messages.success(self.request, outcome % {"title": wish.title})
        return HttpResponseRedirect(reverse("staff:wish-detail", args=[wish.pk]))


CONTACT_VIEWS_SHOWN = 20  # the latest showings on the wish's page; the API lists them all


class WishDetailView(DeskPage):
    template_name = "web/staff/wish_detail.html"
    subnav = "wishes"

    def get_context_data(self, **kwargs):
        wish = object_or_404(desk_wishes(self.request.user, self.scope), self.kwargs["pk"])
        _with_resident([wish])
        contact_views.contact_view_record_if_shown(
            viewer=self.request.user, wish=wish, channel=contact_views.ContactChannel.STAFF_PAGE
        )
        staff = self.scope.manages_community(wish.community_id)
        # 谁查看过联系方式: the latest showings of the resident's contact details, for the community's staff.
        viewed = None
        if contact_views.may_read_contact_views(self.request.user, wish):
            entries = contact_views.contact_views_of(user=self.request.user, wish=wish)
            viewed = {"total": entries.count(), "latest": list(entries[:CONTACT_VIEWS_SHOWN])}
            for entry in viewed["latest"]:
                entry.channel_label = contact_views.channel_label(entry)
        status = wish.status
        allowed = {
            "submit": status == WishStatus.DRAFT,
            "verify": staff and status == WishStatus.PENDING_REVIEW,
            "publish": staff and status == WishStatus.DRAFT,
            "revoke": staff and status == WishStatus.CLAIMED,
            "confirm": staff and status == WishStatus.FULFILLED,
            "cancel": staff
            and status
            in (
                WishStatus.DRAFT,
                WishStatus.PENDING_REVIEW,
                WishStatus.PUBLISHED,
                WishStatus.CLAIMED,
                WishStatus.FULFILLED,
            ),
        }
        return super().get_context_data(
            wish=wish,
            title=wish.title,
            allowed=allowed,
            ratings=range(5, 0, -1),
            contact_views=viewed,
            resident_requests=resident_selectors.requests_of_wish(user=self.request.user, wish=wish),
            **kwargs,
        )


class _WishAction(StaffPageMixin, ActionView):
    success = ""

    def perform(self, request, pk):
        wish = object_or_404(desk_wishes(request.user, self.scope), pk)
        self.act(request, wish)
        return self.success

    def act(self, request, wish):
        raise NotImplementedError

    def redirect_to(self, pk):
        return reverse("staff:wish-detail", args=[pk])


class WishSubmitView(_WishAction):
    success = gettext_lazy("The wish was sent to the community for verification.")

    def act(self, request, wish):
        wish_services.wish_submit(wish=wish, actor=request.user)


class WishVerifyView(_WishAction):
    success = gettext_lazy("The wish was verified and published.")

    def act(self, request, wish):
        wish_services.wish_verify(wish=wish, actor=request.user)


class WishPublishView(_WishAction):
    success = gettext_lazy("The wish was published.")

    def act(self, request, wish):
        wish_services.wish_publish(wish=wish, actor=request.user)


class WishRevokeView(_WishAction):
    success = gettext_lazy("The claim was revoked; the wish is published again.")

    def act(self, request, wish):
        wish_services.wish_revoke(wish=wish, actor=request.user, reason=request.POST.get("reason", ""))


class WishCancelView(_WishAction):
    success = gettext_lazy("The wish was cancelled.")

    def act(self, request, wish):
        wish_services.wish_cancel(wish=wish, actor=request.user, reason=request.POST.get("reason", ""))


class WishConfirmView(_WishAction):
    success = gettext_lazy("The wish was confirmed; the service record was written.")

    def act(self, request, wish):
        wish_services.wish_confirm(
            wish=wish,
            actor=request.user,
            rating=_int_or_none(request.POST.get("rating")),
            comment=request.POST.get("comment", ""),
        )


# --- activities -------------------------------------------------------------------------------------------------


class ActivityListView(DeskPage):
    template_name = "web/staff/activities.html"
    subnav = "activities"
    title = gettext_lazy("Activities")

    def get_context_data(self, **kwargs):
        user, scope = self.request.user, self.scope
        filters = forms.ActivityFilterForm(self.request.GET or None)
        activities = desk_activities(user, scope).order_by("-starts_at", "-id")
        when = self.request.GET.get("when")
        if when == "today":
            start, end = day_bounds(timezone.localdate(), timezone.localdate())
            activities = activities.filter(starts_at__lt=end, ends_at__gt=start).exclude(
                status=ActivityStatus.CANCELLED
            )
        if filters.is_bound:
            if filters.is_valid():
                if filters.cleaned_data["status"]:
                    activities = activities.filter(status=filters.cleaned_data["status"])
                if filters.cleaned_data["hours"] == "pending":
                    activities = activities.filter(signups__hours_status__in=PENDING_HOURS).distinct()
            else:
                activities = activities.none()
        return super().get_context_data(
            filters=filters,
            page_obj=_page(self.request, activities),
            query=_query_without_page(self.request),
            subnav="hours" if self.request.GET.get("hours") == "pending" else self.subnav,
            **kwargs,
        )


class ActivityCreateView(StaffPageMixin, FormView):
    template_name = "web/staff/activity_new.html"
    form_class = forms.ActivityCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scope": self.scope}

    def get_context_data(self, **kwargs):
        return super().get_context_data(subnav="activities", title=_("New activity"), **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        occurrences = data.pop("weekly_occurrences", None)
        try:
            if occurrences:
                created = activity_services.activity_create_series(
                    actor=self.request.user, occurrences=occurrences, **data
                )
                activity = created[0]
            else:
                activity = activity_services.activity_create(actor=self.request.user, **data)
        except DomainError as error:
            add_form_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Activity created: %(title)s.") % {"title": activity.title})
        return HttpResponseRedirect(reverse("staff:activity-detail", args=[activity.pk]))


class ActivityDetailView(DeskPage):
    template_name = "web/staff/activity_detail.html"
    subnav = "activities"

    def get_context_data(self, **kwargs):
        user = self.request.user
        activity = _organized_activity(user, self.kwargs["pk"])
        signups = (
            activity_selectors.signup_list(user=user)
            .filter(activity=activity, status__in=(SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED))
            .order_by("status", "signed_up_at", "id")
        )
        now = timezone.now()
        return super().get_context_data(
            activity=activity,
            title=activity.title,
            page_obj=_page(self.request, signups),
            query=_query_without_page(self.request),
            may_publish=activity.status == ActivityStatus.DRAFT,
            may_cancel=activity.status not in (ActivityStatus.FINISHED, ActivityStatus.CANCELLED),
            may_checkin=activity.status in (ActivityStatus.OPEN, ActivityStatus.CLOSED),
            leads=hours.is_lead(user, activity),
            has_ended=activity.ends_at <= now,
            # Organizers may take a member off the list until the activity ends (the service's rule).
            may_cancel_signups=activity.ends_at > now
            and activity.status not in (ActivityStatus.FINISHED, ActivityStatus.CANCELLED),
            **kwargs,
        )


class _ActivityAction(StaffPageMixin, ActionView):
    def redirect_to(self, pk):
        return reverse("staff:activity-detail", args=[pk])


class ActivityPublishView(_ActivityAction):
    def perform(self, request, pk):
        activity_services.activity_publish(activity=_organized_activity(request.user, pk), actor=request.user)
        return _("The activity is open for sign-up.")


class ActivityCancelView(_ActivityAction):
    def perform(self, request, pk):
        activity_services.activity_cancel(
            activity=_organized_activity(request.user, pk), actor=request.user, reason=request.POST.get("reason", "")
        )
        return _("The activity was cancelled; the members who signed up were told.")


class CheckinCodeView(DeskPage):
    """The on-site screen: the rotating code, big, and a QR code of the member's check-in page with it.

    The page reloads itself when the code rotates (a meta refresh, no JavaScript)."""

    template_name = "web/staff/checkin_code.html"
    subnav = "activities"

    def get_context_data(self, **kwargs):
        activity = _organized_activity(self.request.user, self.kwargs["pk"])
        try:
            require_organizer(self.request.user, activity)
        except DomainError as error:
            raise PermissionDenied(error.message) from error
        now = timezone.now()
        current = checkin.current_code(activity, now=now)
        member_url = self.request.build_absolute_uri(
            f"{reverse('member:checkin', args=[activity.pk])}?{urlencode({'code': current.code})}"
        )
        checked_in = SignUp.objects.filter(
            activity=activity, status=SignUpStatus.CONFIRMED, checked_in_at__isnull=False
        ).count()
        return super().get_context_data(
            activity=activity,
            title=activity.title,
            code=current.code,
            expires_at=current.expires_at,
            refresh_seconds=max(1, ceil((current.expires_at - now).total_seconds())),
            member_url=member_url,
            qr_svg=segno.make(member_url, error="m").svg_inline(scale=8, omitsize=True, title=_("Check-in QR code")),
            checked_in=checked_in,
            confirmed=activity.confirmed_count,
            checkin_open=activity.status in (ActivityStatus.OPEN, ActivityStatus.CLOSED),
            **kwargs,
        )


# --- attendance and hours ---------------------------------------------------------------------------------------


class AttendanceView(DeskPage):
    template_name = "web/staff/attendance.html"
    subnav = "activities"

    def get_context_data(self, **kwargs):
        activity = _led_activity(self.request.user, self.kwargs["pk"])
        rows = hours_selectors.attendance_sheet(activity=activity)
        totals = rows.order_by().aggregate(
            signups=Count("id"),
            checked_in=Count("id", filter=Q(checked_in_at__isnull=False)),
            credited_minutes=Sum("credited_minutes"),
            waiting=Count("id", filter=Q(hours_status__in=PENDING_HOURS)),
        )
        finished = activity.status == ActivityStatus.FINISHED
        may_decide = finished and self.scope.manages_community(activity.community_id)
        page_obj = _page(self.request, rows)
        for signup in page_obj.object_list:
            confirmed = signup.status == SignUpStatus.CONFIRMED
            signup.may_mark = confirmed and signup.hours_status not in (HoursStatus.APPROVED, HoursStatus.REJECTED)
            signup.may_decide = may_decide and confirmed and signup.hours_status in PENDING_HOURS
            signup.may_adjust = may_decide and confirmed
        return super().get_context_data(
            activity=activity,
            title=activity.title,
            page_obj=page_obj,
            query=_query_without_page(self.request),
            totals=totals,
            finished=finished,
            may_finish=activity.status in (ActivityStatus.OPEN, ActivityStatus.CLOSED)
            and activity.ends_at <= timezone.now(),
            attendance_choices=Attendance.choices,
            **kwargs,
        )


class AttendanceExcelView(StaffPageMixin, View):
    """The attendance sheet as an Excel download (the workbook the API serves)."""

    def get(self, request, pk):
        activity = _led_activity(request.user, pk)
        content = exports.attendance_workbook(
            activity=activity, rows=hours_selectors.attendance_sheet(activity=activity)
        )
        response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{exports.attendance_filename(activity)}"'
        return response


def _residents_input(request):
    """The residents field of a form: None when left empty (not given), else the whole number typed, or the text as
    typed so that the service refuses it with its message."""
    raw = request.POST.get("residents_served", "").strip()
    if not raw:
        return None
    number = _int_or_none(raw)
    return raw if number is None else number


class ActivityFinishView(StaffPageMixin, ActionView):
    def perform(self, request, pk):
        hours.activity_finish(
            activity=_led_activity(request.user, pk), actor=request.user, residents_served=_residents_input(request)
        )
        return _("The activity is finished; the hours wait for approval.")

    def redirect_to(self, pk):
        return reverse("staff:activity-attendance", args=[pk])


class ActivityResidentsView(StaffPageMixin, ActionView):
    def perform(self, request, pk):
        residents = _residents_input(request)
        activity = hours.activity_set_residents(
            activity=_led_activity(request.user, pk),
            actor=request.user,
            residents_served="" if residents is None else residents,
            reason=request.POST.get("reason", ""),
        )
        return _("Residents served set to %(n)s.") % {"n": activity.residents_served}

    def redirect_to(self, pk):
        return reverse("staff:activity-attendance", args=[pk])


class _SignUpAction(StaffPageMixin, ActionView):
    def perform(self, request, pk):
        signup = _hours_signup(request.user, pk)
        self.activity_pk = signup.activity_id
        return self.act(request, signup)

    def act(self, request, signup):
        raise NotImplementedError

    def post(self, request, pk):
        self.activity_pk = None
        return super().post(request, pk=pk)

    def redirect_to(self, pk):
        return reverse("staff:activity-attendance", args=[self.activity_pk])


class SignUpCancelView(StaffPageMixin, ActionView):
    """An organizer takes a member off an activity's list (a freed place goes to the waitlist)."""

    def perform(self, request, pk):
        signups = SignUp.objects.filter(activity__in=desk_activities(request.user, self.scope).values("pk"))
        signup = object_or_404(signups.select_related("activity", "member__user"), pk)
        self.activity_pk = signup.activity_id
        activity_services.signup_cancel(signup=signup, actor=request.user, reason=request.POST.get("reason", ""))
        return _("The sign-up of %(name)s is cancelled.") % {"name": signup.member.user.name}

    def post(self, request, pk):
        self.activity_pk = None
        return super().post(request, pk=pk)

    def redirect_to(self, pk):
        if self.activity_pk is None:
            return reverse("staff:activities")
        return reverse("staff:activity-detail", args=[self.activity_pk])


class AttendanceMarkView(_SignUpAction):
    def act(self, request, signup):
        signup = hours.attendance_mark(signup=signup, actor=request.user, attendance=request.POST.get("attendance"))
        return _("Attendance of %(name)s: %(mark)s.") % {
            "name": signup.member.user.name,
            "mark": signup.get_attendance_display(),
        }


class HoursApproveView(_SignUpAction):
    def act(self, request, signup):
        signup = hours.hours_approve(signup=signup, actor=request.user)
        return _("Hours of %(name)s approved.") % {"name": signup.member.user.name}


class HoursAdjustView(_SignUpAction):
    def act(self, request, signup):
        signup = hours.hours_adjust(
            signup=signup,
            actor=request.user,
            credited_minutes=_int_or_none(request.POST.get("credited_minutes")),
            reason=request.POST.get("reason", ""),
        )
        return _("Hours of %(name)s set to %(minutes)s minutes.") % {
            "name": signup.member.user.name,
            "minutes": signup.credited_minutes,
        }


class HoursRejectView(_SignUpAction):
    def act(self, request, signup):
        signup = hours.hours_reject(signup=signup, actor=request.user, reason=request.POST.get("reason", ""))
        return _("Hours of %(name)s rejected.") % {"name": signup.member.user.name}


# --- year-end evaluations ---------------------------------------------------------------------------------------


class EvaluationListView(DeskPage):
    template_name = "web/staff/evaluations.html"
    subnav = "evaluations"
    title = gettext_lazy("Year-end evaluations")

    def get_context_data(self, **kwargs):
        filters = forms.EvaluationFilterForm(self.request.GET or None, scope=self.scope)
        communities = list(filters.fields["community"].queryset)
        year, community, error, page_obj = timezone.localdate().year, None, None, None
        if filters.is_bound and not filters.is_valid():
            year = None
        else:
            if filters.is_bound:
                year = filters.cleaned_data["year"]
                community = filters.cleaned_data["community"]
            community = community or (communities[0] if communities else None)
        # Rating, and the list of whom to rate, are the community staff's (a grid worker is told so).
        may_rate = community is not None and self.scope.manages_community(community.pk)
        if year is not None and may_rate:
            try:
                candidates = registration_selectors.evaluation_candidates(
                    user=self.request.user, community=community, year=year
                )
                page_obj = _page(self.request, candidates)
            except DomainError as exc:
                error = exc
        if page_obj is not None:
            for member in page_obj.object_list:
                member.evaluation = member.year_evaluations[0] if member.year_evaluations else None
        return super().get_context_data(
            filters=filters,
            year=year,
            community=community,
            may_rate=may_rate,
            page_obj=page_obj,
            error=error,
            grades=EvaluationGrade.choices,
            query=_query_without_page(self.request),
            **kwargs,
        )


class EvaluationSubmitView(StaffPageMixin, ActionView):
    def perform(self, request):
        member = Member.objects.filter(pk=_int_or_none(request.POST.get("member"))).select_related("user").first()
        community = forms.communities_for(self.scope).filter(pk=_int_or_none(request.POST.get("community"))).first()
        if member is None or community is None:
            raise Http404
        evaluation, created = registration_services.evaluation_submit(
            actor=request.user,
            member=member,
            community=community,
            year=_int_or_none(request.POST.get("year")),
            grade=request.POST.get("grade", ""),
            comment=request.POST.get("comment", ""),
        )
        return _("%(name)s rated %(grade)s for %(year)s.") % {
            "name": member.user.name,
            "grade": evaluation.get_grade_display(),
            "year": evaluation.year,
        }

    def redirect_to(self):
        return reverse("staff:evaluations")
