"""Reads for attendance and hours: which activities and sign-ups a user may act on, and the attendance sheet."""

from django.db.models import Q

from apps.accounts.scope import scope_for
from apps.activities.models import Activity, SignUp, SignUpStatus


def _lead_q(user, prefix=""):
    """Activities the user leads: staff of the community (superusers: all) or the organizer."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = Q(**{f"{prefix}community__in": scope.staff_community_ids})
    if user is not None and user.is_authenticated:
        q |= Q(**{f"{prefix}created_by": user.pk})
    return q


def activity_led_get(*, user, pk):
    """An activity whose attendance the user may see and run, or None."""
    return Activity.objects.filter(_lead_q(user), pk=pk).select_related("community", "grid").first()


def signup_for_hours_get(*, user, pk):
    """A sign-up the user may act on for hours: those of activities they lead, and their own. None otherwise."""
    scope = scope_for(user)
    q = _lead_q(user, prefix="activity__")
    if scope.member_id is not None:
        q |= Q(member_id=scope.member_id)
    return SignUp.objects.filter(q, pk=pk).select_related("activity", "member__user", "record").first()


def attendance_sheet(*, activity):
    """The sign-ups of an activity for its attendance sheet, confirmed first, in sign-up order (one query)."""
    return (
        SignUp.objects.filter(activity=activity)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("member__user", "member__organ", "member__branch", "record")
        .order_by("status", "signed_up_at", "id")
    )
