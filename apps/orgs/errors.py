"""Errors of organs, Party organizations and members."""

from django.utils.translation import gettext_lazy as _

BRANCH_REQUIRED = _("A member must belong to a Party branch.")
PARENT_KIND_INVALID = _("This kind of Party organization cannot sit under that parent.")
ALREADY_A_MEMBER = _("This user already has a member profile.")
SAME_BRANCH = _("The member already belongs to this branch.")
MOVE_DATE_INVALID = _("A move cannot be dated before the member's current affiliation began.")
ORGAN_NAME_TAKEN = _("An organ with this name already exists.")
CODE_TAKEN = _("Another organization already has this code.")
NOT_IN_YOUR_ORGANIZATION = _("This member or organization is outside the organizations you manage.")
MEMBER_ALREADY_ACTIVE = _("The member is already active.")
MEMBER_ALREADY_INACTIVE = _("The member is already deactivated.")
PARTY_ORG_NAME_TAKEN = _("This organ already has a Party organization with this name.")
