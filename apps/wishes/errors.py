"""Errors of micro-wishes: stable codes, the translated messages tests reuse, and their constructors.

Convention for illegal transitions: an action attempted while the wish is in a state that does not allow it raises
Conflict (409) with the code `wish_not_<state the action needs>` (`wish_not_draft`, `wish_not_pending_review`,
`wish_not_publishable` (draft or pending review), `wish_not_published`, `wish_not_claimed`, `wish_not_fulfilled`,
`wish_not_open` (any state but confirmed, expired, cancelled)) and the wish's current status in the response body as
`status`. Claiming a wish someone else holds (including losing a race for it) is the one
special case: `wish_already_claimed`.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden

# --- transitions ----------------------------------------------------------------------------------------------
WISH_NOT_DRAFT = _("Only a draft wish can be submitted for verification.")
WISH_NOT_PENDING_REVIEW = _("This wish is not waiting for verification.")
WISH_NOT_PUBLISHABLE = _("Only a draft or a wish waiting for verification can be published.")
WISH_NOT_PUBLISHED = _("This wish is not open for claiming.")
WISH_NOT_CLAIMED = _("This wish is not claimed.")
WISH_NOT_FULFILLED = _("This wish has not been reported as fulfilled.")
WISH_NOT_OPEN = _("This wish is already closed.")
WISH_NOT_DUE = _("This wish has not reached its deadline yet.")
WISH_ALREADY_CLAIMED = _("Someone has already claimed this wish.")
WISH_DEADLINE_PASSED = _("The deadline of this wish has passed.")
CLAIM_LIMIT_REACHED = _("You already hold the maximum number of open wish claims. Fulfil or release one first.")
CLAIM_OVERDUE = _("The time to fulfil this claim has run out.")

# Which code each required state gives (see the module docstring).
_NOT_IN_STATE = {
    "draft": ("wish_not_draft", WISH_NOT_DRAFT),
    "pending_review": ("wish_not_pending_review", WISH_NOT_PENDING_REVIEW),
    "publishable": ("wish_not_publishable", WISH_NOT_PUBLISHABLE),
    "published": ("wish_not_published", WISH_NOT_PUBLISHED),
    "claimed": ("wish_not_claimed", WISH_NOT_CLAIMED),
    "fulfilled": ("wish_not_fulfilled", WISH_NOT_FULFILLED),
    "open": ("wish_not_open", WISH_NOT_OPEN),
}

# --- who may act ----------------------------------------------------------------------------------------------
NOT_WISH_CREATOR = _("Only the community's staff or the grid's worker can post a wish here.")
NOT_COMMUNITY_STAFF = _("Only the staff of the wish's community can do this.")
NOT_A_MEMBER = _("Only an in-service Party member can claim a wish.")
NOT_BRANCH_SECRETARY = _("Only the branch's secretary can claim a wish for the branch.")
NOT_TEAM_LEADER = _("Only the team's leader can claim a wish for the team.")
NOT_ELIGIBLE_TO_CLAIM = _(
    "Only members registered in this community, or whose organ is paired with it, can claim its wishes."
)
NOT_CLAIMANT = _("Only the claimant can do this.")
OWN_SERVICE = _("Nobody can confirm their own service.")

# --- input ------------------------------------------------------------------------------------------------------
GRID_NOT_IN_COMMUNITY = _("The grid does not belong to this community.")
VALUE_OVER_CAP = _("The estimated value is above the limit for a micro-wish (%(cap)s yuan).")
VALUE_NEGATIVE = _("The estimated value cannot be negative.")
DEADLINE_NOT_FUTURE = _("The deadline must be in the future.")
TITLE_REQUIRED = _("Enter a title.")
RESIDENT_NAME_REQUIRED = _("Enter the resident's name.")
RESIDENTS_COUNT_INVALID = _("A wish for one resident serves exactly one; a group wish serves at least two.")
REASON_REQUIRED = _("Give a reason.")
TEXT_TOO_LONG = _("The text is too long (%(max)s characters at most).")
NOTE_REQUIRED = _("Describe how the wish was fulfilled.")
RATING_INVALID = _("The rating must be a whole number from 1 to 5.")
PARTICIPANTS_REQUIRED = _("Name the members of the branch who took part.")
PARTICIPANTS_NOT_ALLOWED = _("Participants are named only for a claim made by a branch or a team.")
PARTICIPANT_NOT_IN_BRANCH = _("Every participant must be an active member of the claiming branch.")
TEAM_PARTICIPANTS_REQUIRED = _("Name the members of the team who took part.")
PARTICIPANT_NOT_IN_TEAM = _(
    "Every participant must be an active member of the claiming team, and have been one when the service was done."
)
CLAIM_AS_ONE = _("Claim for a branch or for a team, not for both.")


def not_in_state(required, current):
    code, message = _NOT_IN_STATE[required]
    return Conflict(code, message, extra={"status": str(current)})


def wish_already_claimed():
    return Conflict("wish_already_claimed", WISH_ALREADY_CLAIMED)


def wish_deadline_passed():
    return Conflict("wish_deadline_passed", WISH_DEADLINE_PASSED)


def claim_limit_reached(limit):
    return Conflict("claim_limit_reached", CLAIM_LIMIT_REACHED, extra={"limit": limit})


def not_community_staff():
    return Forbidden("not_community_staff", NOT_COMMUNITY_STAFF)


def not_claimant():
    return Forbidden("not_claimant", NOT_CLAIMANT)
