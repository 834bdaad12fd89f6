"""Reads on activities and sign-ups: lists scoped to the user, places left, "near me", waitlist positions, mine."""

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.scope import scope_for
from apps.activities.models import ACTIVE_SIGNUP_STATUSES, Activity, ActivityStatus, SignUp, SignUpStatus
from apps.activities.permissions import (
    activity_signup_target_q,
    activity_visible_q,
    organizer_q,
    signup_visible_q,
)
from apps.places.selectors import within_radius

# Metres per degree of latitude on a sphere of the mean Earth radius: the equirectangular approximation is good to
# about 0.5 % over the few tens of kilometres "near me" allows.
NEAR_DEFAULT_RADIUS_M = 5000


def _with_places_left(queryset):
    return queryset.annotate(
        places_left=ExpressionWrapper(F("capacity") - F("confirmed_count"), output_field=IntegerField())
    )


def activity_list(*, user, now=None):
    """The activities `user` may see, soonest first, each with `places_left` (and its community: what a list shows;
    activity_get adds the grid and the organizing Party org)."""
    return _with_places_left(
        Activity.objects.filter(activity_visible_q(user, now=now or timezone.now()))
        .select_related("community", "organizer_team")
        .defer("community__polygon")
        .order_by("starts_at", "id")
    )


def activity_get(*, user, pk):
    return activity_list(user=user).select_related("grid", "organizer_party_org").filter(pk=pk).first()


def activity_signup_targets(*, user):
    """The activities a sign-up request may address (see permissions.activity_signup_target_q)."""
    return _with_places_left(
        Activity.objects.filter(activity_signup_target_q(user)).select_related(
            "community", "grid", "organizer_party_org", "organizer_team"
        )
    )


def activity_organized_get(*, user, pk):
    """An activity the user runs (staff, grid worker, organizer), or None."""
    return _with_places_left(
        Activity.objects.filter(organizer_q(user), pk=pk).select_related("community", "organizer_team__organ")
    ).first()


def activity_near(queryset, *, latitude, longitude, radius_m=NEAR_DEFAULT_RADIUS_M):
    """Activities within `radius_m` of a WGS-84 point, nearest first (bounding box in SQL, then the equirectangular
    distance for the radius and the order; plain arithmetic, so it runs on every database)."""
    return within_radius(queryset, latitude=latitude, longitude=longitude, radius_m=radius_m).order_by(
        "distance_sq", "starts_at", "id"
    )


def _waitlist_position():
    """1-based place on the waitlist (by sign-up time, then id); None unless waitlisted."""
    ahead = (
        SignUp.objects.filter(activity=OuterRef("activity"), status=SignUpStatus.WAITLISTED)
        .filter(
            Q(signed_up_at__lt=OuterRef("signed_up_at"))
            | Q(signed_up_at=OuterRef("signed_up_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("activity")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + Value(1)


def _signups(queryset):
    return queryset.annotate(waitlist_rank=_waitlist_position()).select_related(
        "activity__community", "member__user", "member__organ", "member__branch", "team"
    )


def signup_list(*, user):
    """The sign-ups `user` may see, newest activity first."""
    return _signups(SignUp.objects.filter(signup_visible_q(user))).order_by("-starts_at", "signed_up_at", "id")


def signup_get(*, user, pk):
    return signup_list(user=user).filter(pk=pk).first()


def my_signups(*, user, active_only=False):
    """The member's own sign-ups ("my activities"), soonest first."""
    scope = scope_for(user)
    if scope.member_id is None:
        return SignUp.objects.none()
    signups = SignUp.objects.filter(member_id=scope.member_id)
    if active_only:
        signups = signups.filter(status__in=ACTIVE_SIGNUP_STATUSES)
    return _signups(signups).order_by("starts_at", "id")


def my_active_signup(*, user, activity, related=True):
    """The member's current (confirmed or waitlisted) sign-up for `activity`, or None. related=False reads the
    sign-up's own fields and its place on the waitlist only (a page that shows nothing else of it)."""
    scope = scope_for(user)
    if scope.member_id is None:
        return None
    signups = SignUp.objects.filter(activity=activity, member_id=scope.member_id, status__in=ACTIVE_SIGNUP_STATUSES)
    if not related:
        return signups.annotate(waitlist_rank=_waitlist_position()).first()
    return _signups(signups).first()


def waitlist(*, activity):
    """The waitlisted sign-ups of an activity in promotion order."""
    return SignUp.objects.filter(activity=activity, status=SignUpStatus.WAITLISTED).order_by("signed_up_at", "id")


def signups_made(signups):
    """Sign-ups just written, as their writer is answered (a team's leader sees the sign-ups they made for the
    team's members): with the waitlist position, in the order given."""
    by_pk = {s.pk: s for s in _signups(SignUp.objects.filter(pk__in=[s.pk for s in signups]))}
    return [by_pk[s.pk] for s in signups]


def team_upcoming_activities(*, team, now=None):
    """The activities `team` takes part in that have not ended and are not cancelled or drafts: those the team
    organizes and those its leader signed team members up for (with `team_signup_count`, the team's active
    sign-ups), soonest first."""
    now = now or timezone.now()
    active = Q(signups__team=team, signups__status__in=ACTIVE_SIGNUP_STATUSES)
    return _with_places_left(
        Activity.objects.filter(
            Q(organizer_team=team)
            | Q(pk__in=SignUp.objects.filter(team=team, status__in=ACTIVE_SIGNUP_STATUSES).values("activity_id"))
        )
        .filter(ends_at__gt=now, status__in=[ActivityStatus.OPEN, ActivityStatus.CLOSED])
        .select_related("community", "organizer_team")
        .annotate(team_signup_count=Count("signups", filter=active))
        .order_by("starts_at", "id")
    )


def active_signup_member_ids(*, activity):
    """The members with a place or a waitlist position in `activity`."""
    return SignUp.objects.filter(activity=activity, status__in=ACTIVE_SIGNUP_STATUSES).values_list(
        "member_id", flat=True
    )


def organizer_team_options(*, communities, now=None):
    """The active volunteer teams that may organize activities in these communities: of organs paired with one of
    them today (the service checks the pairing with the activity's own community)."""
    from apps.activities.permissions import active_pairings
    from apps.teams.models import Team, TeamStatus

    today = timezone.localdate(now or timezone.now())
    organs = active_pairings(today).filter(community__in=communities).values("organ_id")
    return (
        Team.objects.filter(status=TeamStatus.ACTIVE, organ_id__in=organs)
        .select_related("organ")
        .order_by("organ__name", "name", "id")
    )
