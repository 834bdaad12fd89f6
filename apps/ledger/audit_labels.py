"""What the audit trail's codes mean, in words: the admin shows these instead of `claim` or `wishes.wish`.

The trail stores stable codes (the API and its filters use them, and a code never changes once written); the labels
here are only for people. An action or subject type missing from the tables is shown as its code, so a new action
never breaks a page: add its label here when adding the action to a service.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # any subject
    "create": _("Created"),
    "update": _("Updated"),
    "publish": _("Published"),
    "cancel": _("Cancelled"),
    "revise": _("Revised"),
    # micro-wishes
    "submit": _("Submitted for verification"),
    "verify": _("Verified"),
    "claim": _("Claimed"),
    "release": _("Released"),
    "release_overdue": _("Released when overdue"),
    "revoke": _("Revoked"),
    "fulfil": _("Reported fulfilled"),
    "confirm": _("Confirmed"),
    "expire": _("Expired"),
    "view_contact": _("Viewed the resident's contact details"),
    "resident_add": _("Another resident added"),
    # activities and sign-ups
    "close_signups": _("Sign-ups closed"),
    "sign_up": _("Signed up"),
    "promote": _("Moved up from the waiting list"),
    "check_in": _("Checked in"),
    "check_out": _("Checked out"),
    "finish": _("Finished"),
    "residents": _("Residents served entered"),
    "attendance": _("Attendance corrected"),
    "hours_approve": _("Hours approved"),
    "hours_adjust": _("Hours adjusted"),
    "hours_reject": _("Hours rejected"),
    "hours_dispute": _("Hours disputed"),
    # service records and certificates
    "approve": _("Approved"),
    "reject": _("Rejected"),
    "amend": _("Amended"),
    "issue": _("Issued"),
    # registrations
    "evaluate": _("Evaluated"),
    "withdraw": _("Withdrawn"),
    "move": _("Closed on moving house"),
    # standing posts and organ–community pairings
    "deactivate": _("Deactivated"),
    "end": _("Ended"),
    # residents' requests (居民点单)
    "request": _("Request sent"),
    "accept": _("Accepted into a wish"),
    "merge": _("Merged into a wish"),
    "decline": _("Declined"),
    "rate": _("Rated by the resident"),
    # volunteer teams
    "team_create": _("Team formed"),
    "team_update": _("Team updated"),
    "team_dissolve": _("Team dissolved"),
    "team_leader_set": _("Team leader set"),
    "team_apply": _("Applied to join a team"),
    "team_accept": _("Team application accepted"),
    "team_decline": _("Team application declined"),
    "team_leave": _("Left a team"),
    "team_remove": _("Removed from a team"),
    "team_member_gone": _("Left a team with the organ or the service"),
    "team_leader_gone": _("Team leader left"),
    # household pairing (结对帮扶)
    "household_create": _("Household recorded"),
    "household_update": _("Household updated"),
    "household_close": _("Household closed"),
    "pairing_create": _("Paired with the household"),
    "pairing_end": _("Household pairing ended"),
    "household_visit": _("Household visit registered"),
    # organizations, members, places, people
    "organ_create": _("Organ created"),
    "organ_update": _("Organ updated"),
    "party_org_create": _("Party organization created"),
    "party_org_update": _("Party organization updated"),
    "member_create": _("Member added"),
    "member_update": _("Member updated"),
    "member_move": _("Member moved to another branch"),
    "member_activate": _("Member reactivated"),
    "member_deactivate": _("Member deactivated"),
    "place_create": _("Place created"),
    "place_update": _("Place updated"),
    "boundary_set": _("Boundary set"),
    "import_apply": _("Import applied"),
    "import_cancel": _("Import cancelled"),
    "user_create": _("Account created"),
    "role_appoint": _("Role appointed"),
    "role_revoke": _("Role revoked"),
    "password_set": _("Password set with a one-time code"),
}

# Subject types that are not "app_label.model_name" of a model.
SUBJECT_LABELS = {
    "wishes.wish_contact": _("resident's contact details"),
}


def action_label(code):
    """The action in words, or its code when it has no label."""
    return ACTION_LABELS.get(code, code)


def subject_type_label(code):
    """The subject type in words: the model's name ("app_label.model_name"), a label of SUBJECT_LABELS, or the code."""
    if code in SUBJECT_LABELS:
        return SUBJECT_LABELS[code]
    app_label, _dot, model_name = code.partition(".")
    try:
        return apps.get_model(app_label, model_name)._meta.verbose_name
    except (LookupError, ValueError):
        return code
