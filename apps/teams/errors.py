"""Errors of volunteer teams: stable codes and the translated messages tests reuse.

Wrong-state actions are 409 (Conflict) with the membership's or team's current `status` in the body where one is
concerned; who may act is 403 (Forbidden); input the rules refuse is 422 (Invalid).
"""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, Invalid

# --- who may act --------------------------------------------------------------------------------------------------
NOT_TEAM_MANAGER = _(
    "Only the organ's Party committee, or the secretary of the Party organization that formed the team, can do this."
)
NOT_TEAM_DECIDER = _("Only the team's leader or the organ's Party committee can decide on members.")
NOT_A_MEMBER = _("Only an in-service Party member can join a team.")
OTHER_ORGAN = _("Members join the teams of their own organ.")

# --- state --------------------------------------------------------------------------------------------------------
TEAM_ALREADY_JOINED = _("You have already applied to this team or are in it.")
TEAM_DISSOLVED = _("This team has been dissolved.")
TEAM_NAME_TAKEN = _("The organ already has a team with this name.")
NOT_AN_APPLICANT = _("This member has no application waiting for a decision in this team.")
NOT_IN_TEAM = _("This member is not in the team.")
YOU_ARE_NOT_IN_TEAM = _("You have not applied to this team and are not in it.")
LEADER_CANNOT_LEAVE = _("The leader cannot leave the team: the organ sets a new leader first.")
LEADER_CANNOT_BE_REMOVED = _("The leader cannot be removed: set a new leader first.")
ALREADY_LEADER = _("This member already leads the team.")

# --- input --------------------------------------------------------------------------------------------------------
NAME_REQUIRED = _("Enter the team's name.")
REASON_REQUIRED = _("Give a reason.")
LEADER_NOT_IN_ORGAN = _("The leader must be an active member of the team's organ.")
LEADER_NOT_IN_TEAM = _("The new leader must be an active member of the team.")
PARTY_ORG_NOT_IN_ORGAN = _("The Party organization must belong to the team's organ.")


def team_already_joined():
    return Conflict("team_already_joined", TEAM_ALREADY_JOINED)


def team_dissolved():
    return Conflict("team_dissolved", TEAM_DISSOLVED, extra={"status": "dissolved"})


def not_team_manager():
    return Forbidden("not_team_manager", NOT_TEAM_MANAGER)


def not_team_decider():
    return Forbidden("not_team_decider", NOT_TEAM_DECIDER)


def not_a_member():
    return Forbidden("not_a_member", NOT_A_MEMBER)


def reason_required():
    return Invalid("reason_required", REASON_REQUIRED)


SPECIALTY_INVALID = _("Choose one of the specialties.")
