"""Errors of household pairing: stable codes and the translated messages tests reuse.

Who may act is 403 (Forbidden); wrong-state actions are 409 (Conflict); input the rules refuse is 422 (Invalid).
"""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, Invalid

# --- who may act --------------------------------------------------------------------------------------------------
NOT_COMMUNITY_STAFF = _("Only the community's staff can record households and pair volunteers with them.")
NOT_PAIRED = _("Only the member or a member of the team paired with this household can register a visit.")

# --- state --------------------------------------------------------------------------------------------------------
HOUSEHOLD_CLOSED = _("This household's record has been closed.")
PAIRING_EXISTS = _("This member or team is already paired with the household.")
PAIRING_ENDED = _("This pairing has ended.")
TEAM_NOT_ACTIVE = _("This volunteer team has been dissolved.")

# --- input --------------------------------------------------------------------------------------------------------
CONSENT_REQUIRED = _("A household is recorded only with its consent: enter the day it was given.")
CONSENT_IN_FUTURE = _("The day consent was given cannot be in the future.")
HEAD_NAME_REQUIRED = _("Enter the name of the head of household.")
ADDRESS_REQUIRED = _("Enter the household's address.")
SITUATION_INVALID = _("Choose one of the situations.")
GRID_NOT_IN_COMMUNITY = _("The grid must belong to the household's community.")
REASON_REQUIRED = _("Give a reason.")
PARTNER_REQUIRED = _("Pair the household with either a member or a volunteer team.")
MEMBER_NOT_IN_COMMUNITY = _(
    "This member has no confirmed registration with the household's community: only members registered there can "
    "be paired with it."
)
STARTED_ON_INVALID = _("The pairing cannot start in the future.")
VISIT_BEFORE_PAIRING = _("The visit started before the pairing did.")


def not_community_staff():
    return Forbidden("not_community_staff", NOT_COMMUNITY_STAFF)


def not_paired():
    return Forbidden("not_paired", NOT_PAIRED)


def household_closed():
    return Conflict("household_closed", HOUSEHOLD_CLOSED, extra={"status": "closed"})


def pairing_exists():
    return Conflict("pairing_exists", PAIRING_EXISTS)


def pairing_ended():
    return Conflict("pairing_ended", PAIRING_ENDED)


def team_not_active():
    return Conflict("team_dissolved", TEAM_NOT_ACTIVE, extra={"status": "dissolved"})


def reason_required():
    return Invalid("reason_required", REASON_REQUIRED)
