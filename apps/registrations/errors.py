"""Errors of registrations, posts, pairings and community evaluations: stable codes and the messages tests reuse."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, Invalid, NotFound

NOT_A_MEMBER = _("Only an in-service Party member can register with a community.")
ADDRESS_TOO_LONG = _("The address is too long (200 characters at most).")
REGISTRATION_ALREADY_ACTIVE = _("You already have a registration that is pending or confirmed.")
NOT_COMMUNITY_STAFF = _("Only the staff of this community can do this.")
REGISTRATION_NOT_PENDING = _("This registration is no longer pending.")
REASON_REQUIRED = _("Give a reason for the rejection.")
REASON_TOO_LONG = _("The reason is too long (200 characters at most).")
NOT_REGISTRATION_OWNER = _("Only the member who submitted this registration can withdraw it.")
RECEIPT_NOT_ISSUED = _("No receipt has been issued: the registration is not confirmed.")
REGISTRATION_NOT_CONFIRMED = _(
    "The registration certificate is printed only for a registration that is confirmed and in force."
)
REGISTRATION_CODE_UNKNOWN = _("No registration has this verification code.")

POST_KIND_INVALID = _("Choose a valid kind of post.")
TITLE_REQUIRED = _("Enter a title.")
TITLE_TOO_LONG = _("The title is too long (100 characters at most).")
CAPACITY_INVALID = _("The capacity must be a whole number of at least 1, or empty for no limit.")
POST_TITLE_TAKEN = _("This community already has a post with this title.")
POST_CAPACITY_BELOW_CLAIMS = _("The capacity cannot be lower than the number of members holding the post.")
POST_INACTIVE = _("This post is no longer active.")
POST_FULL = _("This post has no free places.")
POST_ALREADY_CLAIMED = _("You already hold this post.")
POST_NOT_CLAIMED = _("You do not hold this post.")
NOT_REGISTERED_HERE = _("Only members with a confirmed registration in this community can claim its posts.")
CLAIM_ALREADY_RELEASED = _("This post claim has already been released.")
NOT_CLAIM_HOLDER = _("Only the member holding the post or the community's staff can release it.")

NOT_ORGAN_REVIEWER = _("Only the organ's Party committee can manage its pairings.")
PARTY_ORG_NOT_IN_ORGAN = _("The Party organization does not belong to this organ.")
PAIRING_DATES_INVALID = _("The end date cannot be before the start date.")
PAIRING_EXISTS = _("This organ is already paired with this community for an overlapping period.")
PAIRING_ALREADY_ENDED = _("This pairing has already ended.")

OWN_EVALUATION = _("Nobody can evaluate themselves.")
MEMBER_NOT_REGISTERED_HERE = _("The member had no confirmed registration with this community during that year.")
EVALUATION_YEAR_INVALID = _("The year must be between 2000 and the current year.")
EVALUATION_GRADE_INVALID = _("Choose a valid grade.")
EVALUATION_COMMENT_TOO_LONG = _("The comment is too long (500 characters at most).")
EVALUATION_COMMENT_REQUIRED = _("Give a comment when rating a member not competent.")


def not_a_member():
    return Forbidden("not_a_member", NOT_A_MEMBER)


def registration_already_active():
    return Conflict("registration_already_active", REGISTRATION_ALREADY_ACTIVE)


def registration_not_pending():
    return Conflict("registration_not_pending", REGISTRATION_NOT_PENDING)


def not_community_staff():
    return Forbidden("not_community_staff", NOT_COMMUNITY_STAFF)


def receipt_not_issued():
    return NotFound("receipt_not_issued", RECEIPT_NOT_ISSUED)


def registration_not_confirmed():
    # 422, not 409: reading a document changes nothing, so a GET never conflicts (apps.core.api.schema).
    return Invalid("registration_not_confirmed", REGISTRATION_NOT_CONFIRMED)


def registration_code_unknown():
    return NotFound("registration_code_unknown", REGISTRATION_CODE_UNKNOWN)


def post_already_claimed():
    return Conflict("post_already_claimed", POST_ALREADY_CLAIMED)


def post_title_taken():
    return Conflict("post_title_taken", POST_TITLE_TAKEN)


def pairing_dates_invalid():
    return Invalid("pairing_dates_invalid", PAIRING_DATES_INVALID)


def not_organ_reviewer():
    return Forbidden("not_organ_reviewer", NOT_ORGAN_REVIEWER)


def own_evaluation():
    return Forbidden("own_evaluation", OWN_EVALUATION)


def evaluation_year_invalid():
    return Invalid("evaluation_year_invalid", EVALUATION_YEAR_INVALID)
