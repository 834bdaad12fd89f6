"""Errors of activities and sign-ups: stable codes and the translated messages tests reuse."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, Invalid

# --- input ------------------------------------------------------------------------------------------------------
TITLE_REQUIRED = _("Enter a title.")
TIME_NOT_AWARE = _("Give the start and end as full date and time with a time zone.")
ENDS_BEFORE_START = _("The activity must end after it starts.")
STARTS_IN_PAST = _("The activity must start in the future.")
DEADLINE_AFTER_START = _("Sign-up must close no later than the start of the activity.")
CAPACITY_INVALID = _("An activity needs at least one place.")
CAPACITY_BELOW_CONFIRMED = _("The capacity cannot be lower than the %(count)s places already confirmed.")
GRID_NOT_IN_COMMUNITY = _("The grid does not belong to this community.")
OCCURRENCES_INVALID = _("A series has between 2 and %(max)s occurrences.")
REASON_REQUIRED = _("Give a reason.")
REASON_TOO_LONG = _("The reason is too long (%(max)s characters at most).")
FIELD_NOT_EDITABLE = _("This field cannot be changed: %(field)s.")

# --- who may act ------------------------------------------------------------------------------------------------
NOT_ORGANIZER = _(
    "Only the community's staff, the grid's worker or the secretary of a paired branch can organize activities here."
)
NOT_ACTIVITY_ORGANIZER = _("Only the organizers of this activity can do this.")
NOT_A_MEMBER = _("Only an in-service Party member can sign up for an activity.")
NOT_ELIGIBLE = _("This activity is open only to members registered in the community or paired with it.")
NOT_OWN_SIGNUP = _("Only the member who signed up can do this.")

# --- state ------------------------------------------------------------------------------------------------------
ACTIVITY_NOT_DRAFT = _("Only a draft activity can be published.")
ACTIVITY_NOT_EDITABLE = _("An activity can be changed only before it starts, and not once cancelled.")
ACTIVITY_NOT_CANCELLABLE = _("This activity has already finished or been cancelled.")
SIGNUP_CLOSED = _("Sign-up for this activity is closed.")
ALREADY_SIGNED_UP = _("You have already signed up for this activity.")
SIGNUP_OVERLAPS = _("You have already signed up for another activity at the same time.")
NOT_SIGNED_UP = _("You have no place in this activity.")
SIGNUP_NOT_ACTIVE = _("This sign-up is already cancelled.")
CANCEL_TOO_LATE = _("Sign-ups can be cancelled only until %(minutes)s minutes before the activity starts.")
ACTIVITY_OVER = _("This activity has already ended.")
CHECKIN_NOT_OPEN = _("Check-in opens %(minutes)s minutes before the activity starts.")
CHECKIN_CLOSED = _("Check-in is closed: the activity has ended.")
NOT_CONFIRMED = _("Only members with a confirmed place can check in.")
ALREADY_CHECKED_IN = _("You have already checked in.")
NOT_CHECKED_IN = _("You have not checked in yet.")
ALREADY_CHECKED_OUT = _("You have already checked out.")
TOO_FAR = _("You are %(distance)s m from the activity; check-in is accepted within %(radius)s m.")
CODE_EXPIRED = _("This check-in code has expired; scan the code shown now.")
CODE_INVALID = _("This check-in code is not valid for this activity.")

# --- volunteer teams --------------------------------------------------------------------------------------------
NOT_TEAM_LEADER = _("Only the team's leader can sign the team up.")
TEAM_MEMBERS_REQUIRED = _("Choose the members of the team to sign up.")
TEAM_MEMBERS_REPEATED = _("A member is chosen more than once.")
TEAM_MEMBER_NOT_IN_TEAM = _("%(name)s is not an active member of the team.")
TEAM_MEMBER_INACTIVE = _("%(name)s is no longer an in-service member and cannot be signed up.")
TEAM_MEMBER_NOT_ELIGIBLE = _(
    "%(name)s cannot be signed up: this activity is open only to members registered in the community or paired with it."
)
TEAM_MEMBER_ALREADY_SIGNED_UP = _("%(name)s has already signed up for this activity.")
TEAM_MEMBER_OVERLAPS = _("%(name)s has already signed up for another activity at the same time.")
ORGANIZER_TEAM_NOT_PAIRED = _("The team's organ must be paired with the community to organize an activity there.")
ORGANIZER_TEAM_OTHER_ORGAN = _("The team must belong to the organ of the organizing Party organization.")


def not_organizer():
    return Forbidden("not_activity_organizer", NOT_ACTIVITY_ORGANIZER)


def not_own_signup():
    return Forbidden("not_own_signup", NOT_OWN_SIGNUP)


def already_signed_up():
    return Conflict("already_signed_up", ALREADY_SIGNED_UP)


def signup_closed(status):
    return Conflict("signup_closed", SIGNUP_CLOSED, extra={"status": str(status)})


def cancel_too_late(minutes):
    return Conflict("cancel_too_late", CANCEL_TOO_LATE % {"minutes": minutes}, extra={"minutes": minutes})


def too_far(distance_m, radius_m):
    return Invalid(
        "too_far_from_activity",
        TOO_FAR % {"distance": distance_m, "radius": radius_m},
        extra={"distance_m": distance_m, "radius_m": radius_m},
    )


def team_member_refused(error_class, code, message, member, **extra):
    """A team sign-up refused because of one member: the message and `extra` name them."""
    name = member.user.name
    return error_class(code, message % {"name": name}, extra={**extra, "member": member.pk, "member_name": name})
