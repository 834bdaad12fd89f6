"""Pages of in-service Party members (phones first): what is near home, a wish, an activity, on-site check-in, mine.

Every read goes through the selectors the API uses (scoped: anything else is a 404) and every button through the
service the API calls; a domain error comes back as a message with its code (apps.web.feedback).
"""

from functools import reduce
from operator import or_

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from apps.activities import selectors as activity_selectors
from apps.activities import services as activity_services
from apps.activities.errors import NOT_SIGNED_UP, TEAM_MEMBERS_REQUIRED
from apps.activities.filters import ActivityFilter
from apps.activities.models import ActivityStatus, SignUpStatus
from apps.activities.services import checkin_window
from apps.core.errors import Conflict, Invalid, NotFound
from apps.core.paging import MAX_PAGE, OneQueryPagesMixin, asked_page, rows_and_total
from apps.orgs.models import PartyOrgKind
from apps.orgs.selectors import member_list, party_org_list
from apps.places.selectors import near_distance_m
from apps.registrations.models import RegistrationStatus
from apps.registrations.selectors import member_of, registration_list_mine
from apps.teams import selectors as team_selectors
from apps.teams.selectors import team_members, teams_led
from apps.web.access import MemberPageMixin, found_or_404, object_or_404
from apps.web.feedback import ActionView
from apps.web.member.forms import (
    CheckinCodeForm,
    CheckinPositionForm,
    NearbyFilterForm,
    TeamSignUpForm,
    WishClaimForm,
)
from apps.wishes import errors as wish_errors
from apps.wishes import selectors as wish_selectors
from apps.wishes import services as wish_services
from apps.wishes.contact_views import ContactChannel, contact_view_record_if_shown
from apps.wishes.filters import WishFilter
from apps.wishes.models import WishStatus
from apps.wishes.privacy import wish_resident

PAGE_SIZE = 20

# Page-level messages (the rules' own messages come from the services).
POSITION_NEEDED = _(
    "Your position is needed: allow this site to use your location in the browser, or check in with the code shown "
    "on site."
)
CODE_NEEDED = _("Enter the check-in code shown on site.")
CLAIMED = _("You claimed this wish. The resident's contact details are shown below.")
CLAIMED_FOR_BRANCH = _("Your branch claimed this wish. Name the members who took part when you report it fulfilled.")
INVALID_BRANCH = _("Choose one of your branches.")
CLAIMED_FOR_TEAM = _("Your team claimed this wish. Name the team's members who took part when you report it fulfilled.")
INVALID_TEAM = _("Choose one of the teams you lead.")
RELEASED = _("You released this wish; it is open to others again.")
FULFILLED = _("Thank you! The community will confirm the fulfilled wish.")
SIGNED_UP = _("You have a place in this activity.")
WAITLISTED = _("The activity is full: you are on the waitlist.")
TEAM_SIGNED_UP = _("%(n)s members of %(team)s are signed up (%(waiting)s of them on the waitlist).")
SIGNUP_CANCELLED = _("Your sign-up is cancelled.")
CHECKED_IN = _("You have checked in.")
CHECKED_OUT = _("You have checked out. Thank you for your service!")


def distance_label(metres):
    if metres < 1000:
        return gettext("%(m)s m") % {"m": int(round(metres))}
    return gettext("%(km)s km") % {"km": f"{metres / 1000:.1f}"}


# What the home's lists show of each row (and the distance needs): the rest is not read.
_NEARBY_WISH_FIELDS = (
    "id",
    "title",
    "category",
    "status",
    "deadline",
    "grid__name",
    "grid__latitude",
    "grid__longitude",
)
_NEARBY_ACTIVITY_FIELDS = ("id", "title", "category", "status", "starts_at", "latitude", "longitude")
# What my claims and my activities show of each row (their wishes' and activities' texts, no boundaries of places).
_MY_CLAIM_FIELDS = (
    "status",
    "claimed_at",
    "claim_deadline",
    "wish__title",
    "wish__status",
    "wish__community__name",
    "wish__grid__name",
    "branch__name",
)
_MY_SIGNUP_FIELDS = (
    "status",
    "starts_at",
    "ends_at",
    "checked_in_at",
    "checked_out_at",
    "activity__title",
    "activity__community__name",
)


def led_teams(scope, user):
    """The active teams the member leads, by name: read only for a leader (the scope, read at the start of the
    request, knows whether the member leads any)."""
    return list(teams_led(user=user)) if scope.led_team_ids else []


class MemberPage(MemberPageMixin):
    """The member section's gate plus the sub-navigation entry a page belongs to."""

    subnav = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["subnav"] = self.subnav
        return context


class _Nearby:
    """Wishes and activities merged nearest first, for Django's Paginator: each list is read once, its first rows up
    to the end of the asked page (both are ordered by distance in SQL) with the list's total counted in the same
    query (COUNT(*) OVER ()), so a page costs one query a list and no list is read whole. A slice beyond the rows
    read (a page Paginator chose itself, e.g. the last one for a page number past the end) reads up to it."""

    def __init__(self, wishes, activities, home, *, page):
        self.lists = [("wish", qs) for qs in [wishes] if qs is not None]
        self.lists += [("activity", qs) for qs in [activities] if qs is not None]
        self.home = home
        self.stop = min(asked_page(page) or 1, MAX_PAGE) * PAGE_SIZE
        self._rows = None
        self._count = 0

    def _read(self):
        if self._rows is not None:
            return
        rows, self._count = [], 0
        for kind, qs in self.lists:
            objs, total = rows_and_total(qs, 0, self.stop)
            self._count += total or 0
            rows.extend((obj.distance_sq, kind, obj.pk, obj) for obj in objs)
        rows.sort(key=lambda row: row[:3])
        self._rows = rows

    def count(self):
        self._read()
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("only slices")
        if key.stop is not None and key.stop > self.stop:
            self.stop, self._rows = key.stop, None
        self._read()
        items = []
        for _sq, kind, _pk, obj in self._rows[key]:
            point = (obj.grid.latitude, obj.grid.longitude) if kind == "wish" else (obj.latitude, obj.longitude)
            metres = near_distance_m(obj, self.home, point)
            distance = distance_label(metres)
            items.append(
                {
                    "kind": kind,
                    "obj": obj,
                    "distance_m": metres,
                    "distance": distance,
                    "shown": _shown(kind, obj, distance),
                }
            )
        return items


def _shown(kind, obj, distance):
    """Every value a row of the home's list shows (web/member/home.html): the row's {% memo %} key, and with the
    other rows' the whole list's. A value the row shows and this leaves out would be shown stale."""
    if kind == "wish":
        return (kind, obj.pk, obj.title, obj.category, obj.grid.name, obj.deadline, obj.status, distance)
    return (kind, obj.pk, obj.title, obj.category, obj.starts_at, obj.status, obj.places_left, distance)


def _filtered(filterset_class, params, queryset, form):
    """Apply the list's FilterSet (the API's own); its errors (if the page form let something through) go onto the
    page form."""
    if params is None:
        return None
    filterset = filterset_class(data=params, queryset=queryset)
    if not filterset.is_valid():
        for field, errors in filterset.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return None
    return filterset.qs


class HomeView(MemberPage, TemplateView):
    """附近: open wishes and activities near the member's home, nearest first, with filters."""

    template_name = "web/member/home.html"
    subnav = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # The member's confirmed registration (their residential community and home point), or None.
        registration = (
            registration_list_mine(user=user)
            .filter(status=RegistrationStatus.CONFIRMED)
            .select_related(None)
            .select_related("community")
            .only("latitude", "longitude", "address", "community__name")
            .first()
        )
        form = NearbyFilterForm(self.request.GET)
        context.update({"title": _("Near my home"), "form": form, "registration": registration})
        if registration is None:
            return context
        if not form.is_valid():
            return context
        # What the filters show: the form's values (the template keeps their HTML per query, {% memo %}).
        context["filters_key"] = form.data.urlencode()
        home = (registration.latitude, registration.longitude)
        wish_params, activity_params = form.wish_params(home), form.activity_params(home)
        # The lists show no claims, no resident and no organizer: none read.
        wishes = _filtered(
            WishFilter,
            wish_params,
            wish_selectors.wish_list(user=user, prefetch_claims=False, flags=False)
            .select_related(None)
            .select_related("grid")
            .only(*_NEARBY_WISH_FIELDS),
            form,
        )
        activities = _filtered(
            ActivityFilter,
            activity_params,
            activity_selectors.activity_list(user=user).select_related(None).only(*_NEARBY_ACTIVITY_FIELDS),
            form,
        )
        if form.errors:
            return context
        number = self.request.GET.get("page")
        page = Paginator(_Nearby(wishes, activities, home, page=number), PAGE_SIZE).get_page(number)
        query = self.request.GET.copy()
        query.pop("page", None)
        items = page.object_list
        context.update(
            {
                "page_obj": page,
                "items": items,
                "items_shown": tuple(i["shown"] for i in items),
                "query": query.urlencode(),
            }
        )
        return context


# --- wishes -----------------------------------------------------------------------------------------------------


def _visible_wish(user, pk):
    """The wish with its current claim (no query for an open wish); the member pages list no claim's participants."""
    wish = found_or_404(wish_selectors.wish_list(user=user, prefetch_claims=False).filter(pk=pk).first())
    return wish_selectors.attach_current_claims([wish], participants=False)[0]


def secretary_branches(scope):
    """The branches a member who is also a branch secretary may claim for as a group (none for most members)."""
    if not scope.party_org_paths:
        return []
    under = reduce(or_, (Q(path__startswith=path) for path in scope.party_org_paths))
    return list(party_org_list(user=None).filter(under, kind=PartyOrgKind.BRANCH).order_by("path"))


class WishDetailView(MemberPage, TemplateView):
    """A wish as the API shows it to this member: the resident masked unless the member holds its claim."""

    template_name = "web/member/wish_detail.html"
    subnav = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        wish = _visible_wish(self.request.user, kwargs["pk"])
        contact_view_record_if_shown(viewer=self.request.user, wish=wish, channel=ContactChannel.MEMBER_PAGE)
        claims = getattr(wish, "current_claims", [])
        my_claim = claims[0] if claims and wish.is_claimant else None
        published = wish.status == WishStatus.PUBLISHED
        context.update(
            {
                "title": wish.title,
                "wish": wish,
                # What of the resident this viewer may see, as the API shows it (apps.wishes.privacy).
                "resident": wish_resident(wish),
                "my_claim": my_claim,
                # A group claim: the secretary names the branch's members who took part when reporting it fulfilled.
                "branch_members": (
                    member_list(user=self.request.user).filter(branch_id=my_claim.branch_id, is_active=True)
                    if my_claim is not None and my_claim.branch_id
                    else []
                ),
                # A team's claim: the leader names the team's members who took part.
                "team_members": (
                    list(team_members(my_claim.team)) if my_claim is not None and my_claim.team_id else []
                ),
                "can_claim": published and not wish.is_claimant,
                "claim_branches": secretary_branches(self.scope) if published else [],
                "claim_teams": led_teams(self.scope, self.request.user) if published else [],
                "can_release": wish.is_claimant and wish.status == WishStatus.CLAIMED,
                "can_fulfil": wish.is_claimant and wish.status == WishStatus.CLAIMED,
            }
        )
        return context


class MemberActionView(MemberPageMixin, ActionView):
    """A member's POST button: subclasses implement `act`; an object outside the member's scope is a 404 page."""

    def perform(self, request, **kwargs):
        try:
            return self.act(request, **kwargs)
        except NotFound as exc:
            raise Http404 from exc

    def act(self, request, **kwargs):
        raise NotImplementedError


class WishActionView(MemberActionView):
    """A button on a wish. Back to the wish while the member may still see it, else to the home page (a claim lost
    to someone else makes the wish invisible to the loser)."""

    def redirect_to(self, **kwargs):
        if wish_selectors.wish_list(user=self.request.user).filter(pk=kwargs["pk"]).exists():
            return reverse("member:wish", kwargs={"pk": kwargs["pk"]})
        return reverse("member:home")


class WishClaimView(WishActionView):
    def act(self, request, pk):
        # The API's claim lookup: besides visible wishes, once-public ones of the member's communities, so a latecomer
        # hears "already claimed" (409) instead of a 404.
        wish = object_or_404(wish_selectors.wish_claim_targets(user=request.user), pk)
        # As the API's claim: an unknown branch or team is refused; the service checks the secretary or leader.
        form = WishClaimForm(request.POST)
        if not form.is_valid():
            if "as_team" in form.errors:
                raise Invalid("invalid_team", INVALID_TEAM)
            raise Invalid("invalid_branch", INVALID_BRANCH)
        as_branch, as_team = form.cleaned_data["as_branch"], form.cleaned_data["as_team"]
        wish_services.wish_claim(wish=wish, actor=request.user, as_branch=as_branch, as_team=as_team)
        if as_team:
            return CLAIMED_FOR_TEAM
        return CLAIMED_FOR_BRANCH if as_branch else CLAIMED


class WishReleaseView(WishActionView):
    def act(self, request, pk):
        wish = _visible_wish(request.user, pk)
        wish_services.wish_release(wish=wish, actor=request.user, reason=request.POST.get("reason", ""))
        return RELEASED


class WishFulfilView(WishActionView):
    def act(self, request, pk):
        wish = _visible_wish(request.user, pk)
        claims = getattr(wish, "current_claims", [])
        team = claims[0].team if claims and claims[0].team_id else None
        # A team's participants are chosen among the team's members, a branch's among the members the user sees.
        if team is not None:
            candidates, code, message = (
                team_members(team),
                "participant_not_in_team",
                wish_errors.PARTICIPANT_NOT_IN_TEAM,
            )
        else:
            candidates = member_list(user=request.user)
            code, message = "participant_not_in_branch", wish_errors.PARTICIPANT_NOT_IN_BRANCH
        ids = request.POST.getlist("participants")
        if not all(value.isdigit() for value in ids):
            raise Invalid(code, message)
        participants = list(candidates.filter(pk__in=ids))
        if len(participants) != len(set(ids)):
            raise Invalid(code, message)
        wish_services.wish_fulfil(
            wish=wish,
            actor=request.user,
            note=request.POST.get("note", ""),
            photo=request.FILES.get("photo"),
            participants=participants,
        )
        return FULFILLED


# --- activities -------------------------------------------------------------------------------------------------


def _visible_activity(user, pk):
    return found_or_404(activity_selectors.activity_get(user=user, pk=pk))


def activity_context(user, activity):
    # The page shows the sign-up's own state and waitlist place: nothing related is read.
    signup = activity_selectors.my_active_signup(user=user, activity=activity, related=False)
    now = timezone.now()
    opens, closes = checkin_window(activity)
    running = activity.status in (ActivityStatus.OPEN, ActivityStatus.CLOSED) and now < closes
    confirmed = signup is not None and signup.status == SignUpStatus.CONFIRMED
    # Members cancel until this time (the service refuses later ones; the button is not offered then).
    cancel_deadline = activity_services.cancel_deadline(activity)
    return {
        "activity": activity,
        "signup": signup,
        "cancel_deadline": cancel_deadline,
        "checkin_opens_at": opens,
        "can_sign_up": signup is None and activity.status == ActivityStatus.OPEN and activity.signup_deadline > now,
        "can_cancel": signup is not None and running and now <= cancel_deadline,
        "cancel_closed": signup is not None and running and now > cancel_deadline,
        "checkin_open": running and now >= opens and confirmed and signup.checked_in_at is None,
        "checkin_later": running and now < opens and confirmed,
        "can_check_out": running and confirmed and signup.checked_in_at is not None and signup.checked_out_at is None,
    }


class ActivityDetailView(MemberPage, TemplateView):
    template_name = "web/member/activity_detail.html"
    subnav = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = _visible_activity(self.request.user, kwargs["pk"])
        context.update(activity_context(self.request.user, activity))
        context.update({"title": activity.title, "code_form": CheckinCodeForm()})
        if activity.status == ActivityStatus.OPEN and activity.signup_deadline > timezone.now():
            context["led_teams"] = _team_signup_choices(self.scope, self.request.user, activity)
        return context


def _team_signup_choices(scope, user, activity):
    """The teams the user leads, each with its active members and whether each already has a place or a waitlist
    position in the activity (those are not offered again)."""
    teams = led_teams(scope, user)
    if not teams:
        return []
    taken = set(activity_selectors.active_signup_member_ids(activity=activity))
    for team in teams:
        team.choices = [(m, m.pk in taken) for m in team_selectors.team_members(team)]
    return teams


class CheckinScanView(MemberPage, TemplateView):
    """What the staff's QR code opens: the code filled in and a 签到 button. A GET never checks anyone in."""

    template_name = "web/member/checkin_confirm.html"
    subnav = "activities"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity = _visible_activity(self.request.user, kwargs["pk"])
        context.update(activity_context(self.request.user, activity))
        code = self.request.GET.get("code", "")[:16]
        context.update({"title": _("Check in"), "code_form": CheckinCodeForm(initial={"code": code})})
        return context


class ActivityActionView(MemberActionView):
    def redirect_to(self, **kwargs):
        if activity_selectors.activity_list(user=self.request.user).filter(pk=kwargs["pk"]).exists():
            return reverse("member:activity", kwargs={"pk": kwargs["pk"]})
        return reverse("member:home")

    def my_signup(self, request, pk):
        activity = _visible_activity(request.user, pk)
        signup = activity_selectors.my_active_signup(user=request.user, activity=activity)
        if signup is None:
            raise Conflict("not_signed_up", NOT_SIGNED_UP)
        return signup


class SignUpView(ActivityActionView):
    def act(self, request, pk):
        # As the API: the activities a sign-up may address include those no longer open, so a latecomer hears why.
        activity = object_or_404(activity_selectors.activity_signup_targets(user=request.user), pk)
        signup = activity_services.signup_create(activity=activity, member=member_of(request.user))
        return WAITLISTED if signup.status == SignUpStatus.WAITLISTED else SIGNED_UP


class TeamSignUpView(ActivityActionView):
    """The leader signs members of their team up (activities.services.signup_create_team): all or nothing."""

    def act(self, request, pk):
        activity = object_or_404(activity_selectors.activity_signup_targets(user=request.user), pk)
        form = TeamSignUpForm(request.POST)
        if not form.is_valid() or not form.cleaned_data["members"]:
            raise Invalid("team_members_required", TEAM_MEMBERS_REQUIRED)
        team = found_or_404(team_selectors.teams_led(user=request.user).filter(pk=form.cleaned_data["team"]).first())
        members = team_selectors.members_by_pk(form.cleaned_data["members"])
        if members is None:
            raise Invalid("team_members_required", TEAM_MEMBERS_REQUIRED)
        signups = activity_services.signup_create_team(
            activity=activity, actor=request.user, team=team, members=members
        )
        waiting = sum(s.status == SignUpStatus.WAITLISTED for s in signups)
        return TEAM_SIGNED_UP % {"n": len(signups), "team": team.name, "waiting": waiting}


class SignUpCancelView(ActivityActionView):
    def act(self, request, pk):
        signup = self.my_signup(request, pk)
        activity_services.signup_cancel(signup=signup, actor=request.user, reason=request.POST.get("reason", ""))
        return SIGNUP_CANCELLED


class CheckinByPositionView(ActivityActionView):
    """The position the browser filled in (member.js); without it (no JavaScript, permission refused) a message
    says what is needed."""

    def act(self, request, pk):
        signup = self.my_signup(request, pk)
        # A blank or whitespace-only input is one not given (member.js leaves the hidden inputs empty without a fix).
        fields = ("latitude", "longitude", "coord_system", "accuracy_m")
        form = CheckinPositionForm({name: request.POST[name] for name in fields if request.POST.get(name, "").strip()})
        if not form.is_valid():
            raise Invalid("position_needed", POSITION_NEEDED)
        point = form.cleaned_data
        activity_services.checkin_by_position(
            signup=signup,
            actor=request.user,
            latitude=point["latitude"],
            longitude=point["longitude"],
            coord_system=point["coord_system"],
            accuracy_m=point["accuracy_m"],
        )
        return CHECKED_IN


class CheckinByCodeView(ActivityActionView):
    def act(self, request, pk):
        signup = self.my_signup(request, pk)
        form = CheckinCodeForm(request.POST)
        if not form.is_valid():
            raise Invalid("checkin_code_required", CODE_NEEDED)
        activity_services.checkin_by_code(signup=signup, actor=request.user, code=form.cleaned_data["code"])
        return CHECKED_IN


class CheckoutView(ActivityActionView):
    def act(self, request, pk):
        activity_services.checkout(signup=self.my_signup(request, pk), actor=request.user)
        return CHECKED_OUT


# --- mine -------------------------------------------------------------------------------------------------------


class MyClaimsView(MemberPage, OneQueryPagesMixin, ListView):
    """我的认领: every wish the member claimed, newest first."""

    template_name = "web/member/claims.html"
    paginate_by = PAGE_SIZE
    subnav = "claims"

    def get_queryset(self):
        claims = wish_selectors.my_claims(user=self.request.user).select_related(None)
        return claims.select_related("wish__community", "wish__grid", "branch").only(*_MY_CLAIM_FIELDS)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("My claims"), **kwargs)


class MyActivitiesView(MemberPage, OneQueryPagesMixin, ListView):
    """我的活动: the member's sign-ups, soonest first, with waitlist places."""

    template_name = "web/member/activities.html"
    paginate_by = PAGE_SIZE
    subnav = "activities"

    def get_queryset(self):
        signups = activity_selectors.my_signups(user=self.request.user).select_related(None)
        return signups.select_related("activity__community").only(*_MY_SIGNUP_FIELDS)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("My activities"), **kwargs)
