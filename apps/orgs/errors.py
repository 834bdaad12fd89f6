"""Errors of organs, Party organizations and members."""

from django.utils.translation import gettext_lazy as _

BRANCH_REQUIRED = _("A member must belong to a Party branch.")
PARENT_KIND_INVALID = _("This kind of Party organization cannot sit under that parent.")
ALREADY_A_MEMBER = _("This user already has a member profile.")
SAME_BRANCH = _("The member already belongs to this branch.")
MOVE_DATE_INVALID = _("A move cannot be dated before the member's current affiliation began.")
ORGAN_NAME_TAKEN = _("An organ with this name already exists.")
