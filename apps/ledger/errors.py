"""Errors of the service-record ledger: stable codes and the translated messages tests reuse."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, Invalid

NAIVE_DATETIME = _("Times must include a time zone.")
RECORD_TIMES_INVALID = _("A service cannot end before it starts.")
MINUTES_EXCEED_SPAN = _("Credited minutes must be between zero and the time between start and end.")
RESIDENTS_NEGATIVE = _("The number of residents served cannot be negative.")
CONTENT_INVALID = _("Describe the service in 1 to 200 characters.")
SOURCE_INVALID = _("Choose a valid source of the service.")
CATEGORY_INVALID = _("Choose a valid category of the service.")
STATUS_INVALID = _("A new service record is either pending or approved.")
GRID_NOT_IN_COMMUNITY = _("The grid does not belong to this community.")
RECORD_DUPLICATE = _("This member already has a service record for this wish or activity.")
REASON_REQUIRED = _("Give a reason.")
REASON_TOO_LONG = _("The reason is too long (200 characters at most).")
REASON_TOO_LONG_MAX = _("The reason is too long (%(max)s characters at most).")
NOT_COMMUNITY_STAFF = _("Only the staff of the community where the service took place can do this.")
OWN_SERVICE = _("Nobody may record, approve or correct their own service.")
RECORD_NOT_PENDING = _("This service record is no longer pending.")
RECORD_NOT_AMENDABLE = _("Only an approved original service record can be corrected.")
AMENDMENT_NO_CHANGE = _("The correction does not change anything.")
RESIDENTS_ON_ACTIVITY = _(
    "The residents an activity served are entered on the activity, once for all its members, not on a member's record."
)
NOT_A_MEMBER = _("Only an in-service Party member has service records.")
PERIOD_INVALID = _("The end of the period cannot be before its start.")
MEMBERS_REQUIRED = _("Choose at least one member who took part.")


def not_community_staff():
    return Forbidden("not_community_staff", NOT_COMMUNITY_STAFF)


def own_service():
    return Forbidden("own_service", OWN_SERVICE)


def reason_required():
    return Invalid("reason_required", REASON_REQUIRED)


def reason_too_long():
    return Invalid("reason_too_long", REASON_TOO_LONG)


def record_not_pending():
    return Conflict("record_not_pending", RECORD_NOT_PENDING)


def record_not_amendable():
    return Conflict("record_not_amendable", RECORD_NOT_AMENDABLE)


def record_duplicate():
    return Conflict("record_duplicate", RECORD_DUPLICATE)


def not_a_member():
    return Forbidden("not_a_member", NOT_A_MEMBER)


SELF_SERVICE_TIMES_INVALID = _("A service must end after it starts.")
SERVICE_IN_FUTURE = _("A service can only be registered once it is over.")
SERVICE_TOO_OLD = _(
    "A service is registered within %(days)s days of doing it; ask the community to enter an older one."
)
SERVICE_OVERLAPS = _("You already have a service at that time: %(content)s, from %(start)s.")
DAILY_LIMIT_EXCEEDED = _(
    "At most %(hours)s hours of service can be registered for one day; %(left)s minutes are left for that day."
)
PLACE_INVALID = _("Say where the service was done, in 1 to %(max)s characters.")
SELF_RESIDENTS_INVALID = _("The residents served are a whole number from 0 to %(max)s.")
TEAM_NOT_MEMBER = _("The member was not in this volunteer team when the service was done.")
