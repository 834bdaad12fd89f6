"""Writes on organs, the Party organization tree and members (including moves, kept as history)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.scope import forget_scope
from apps.accounts.services import user_create
from apps.core.errors import Conflict, Invalid
from apps.orgs import errors
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg, PartyOrgKind
from apps.orgs.permissions import require_manage_party_org, require_superuser

# Which parent kinds a Party org of each kind may have.
_ALLOWED_PARENTS = {
    PartyOrgKind.COMMITTEE: (None,),
    PartyOrgKind.GENERAL_BRANCH: (PartyOrgKind.COMMITTEE,),
    PartyOrgKind.BRANCH: (PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH),
}


@transaction.atomic
def organ_create(*, name, short_name="", category="government", address="", contact_phone="", actor=None):
    """Create an organ together with its Party committee (the root of its Party-org tree).

    `actor=None` is the system itself (the demo loader, the admin); a given actor must be allowed.
    """
    require_superuser(actor)
    if Organ.objects.filter(name=name).exists():
        raise Conflict("organ_name_taken", errors.ORGAN_NAME_TAKEN)
    organ = Organ.objects.create(
        name=name, short_name=short_name, category=category, address=address, contact_phone=contact_phone
    )
    party_org_create(organ=organ, parent=None, kind=PartyOrgKind.COMMITTEE, name=f"{name}机关党委")
    return organ


@transaction.atomic
def party_org_create(*, organ, parent, kind, name, actor=None):
    if parent is not None:
        require_manage_party_org(actor, parent)
    else:
        require_superuser(actor)
    parent_kind = parent.kind if parent else None
    if parent_kind not in _ALLOWED_PARENTS[PartyOrgKind(kind)] or (parent and parent.organ_id != organ.id):
        raise Invalid("party_org_parent_invalid", errors.PARENT_KIND_INVALID)
    org = PartyOrg.objects.create(organ=organ, parent=parent, kind=kind, name=name)
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


def _require_branch(branch):
    if branch is None or branch.kind != PartyOrgKind.BRANCH:
        raise Invalid("branch_required", errors.BRANCH_REQUIRED)


@transaction.atomic
def member_create(
    *,
    branch,
    phone,
    name,
    password=None,
    id_number="",
    job_title="",
    home_address="",
    joined_on=None,
    user=None,
    actor=None,
):
    """Create the user (unless given) and their member profile in `branch`, opening the affiliation history."""
    _require_branch(branch)
    require_manage_party_org(actor, branch)
    if user is None:
        user = user_create(phone=phone, name=name, password=password)
    elif Member.objects.filter(user=user).exists():
        raise Conflict("already_a_member", errors.ALREADY_A_MEMBER)
    member = Member.objects.create(
        user=user,
        organ_id=branch.organ_id,
        branch=branch,
        id_number=id_number,
        job_title=job_title,
        home_address=home_address,
    )
    MemberAffiliation.objects.create(
        member=member, organ_id=branch.organ_id, branch=branch, started_on=joined_on or timezone.localdate()
    )
    forget_scope(user)
    return member


@transaction.atomic
def member_move(*, member, branch, on=None, reason="", actor=None):
    """Move a member to another branch (maybe of another organ); the old affiliation is closed, not rewritten.

    Whoever manages the member's current branch may transfer them out, to any branch.
    """
    _require_branch(branch)
    require_manage_party_org(actor, member.branch)
    on = on or timezone.localdate()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.branch_id == branch.id:
        raise Conflict("same_branch", errors.SAME_BRANCH)
    current = MemberAffiliation.objects.select_for_update().filter(member=member, ended_on__isnull=True).first()
    if current and on < current.started_on:
        raise Invalid("move_date_invalid", errors.MOVE_DATE_INVALID)
    if current:
        current.ended_on = on
        current.save(update_fields=["ended_on", "updated_at"])
    try:
        MemberAffiliation.objects.create(
            member=member, organ_id=branch.organ_id, branch=branch, started_on=on, reason=reason
        )
    except IntegrityError as exc:  # pragma: no cover - guarded by the row lock above
        raise Conflict("same_branch", errors.SAME_BRANCH) from exc
    member.branch = branch
    member.organ_id = branch.organ_id
    member.save(update_fields=["branch", "organ", "updated_at"])
    forget_scope(member.user)
    return member
