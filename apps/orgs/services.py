"""Writes on organs, the Party organization tree and members (including moves, kept as history)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.scope import forget_scope, scope_for
from apps.accounts.services import user_create
from apps.core.errors import Conflict, Invalid
from apps.core.text import clean_model_text
from apps.ledger.services import audit_log, audit_log_many
from apps.orgs import errors
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg, PartyOrgKind
from apps.orgs.permissions import (
    require_build_party_org_tree,
    require_create_organ,
    require_manage_party_org,
    require_superuser,
)
from apps.teams.services import team_memberships_end

# Which parent kinds a Party org of each kind may have.
_ALLOWED_PARENTS = {
    PartyOrgKind.COMMITTEE: (None,),
    PartyOrgKind.GENERAL_BRANCH: (PartyOrgKind.COMMITTEE,),
    PartyOrgKind.BRANCH: (PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH),
}


def _texts(model, fields):
    """The free-text values among `fields` (a dict of model field names) cleaned, each within its field's maximum
    (apps.core.text: text_too_long, the field named); other values unchanged."""
    return {name: clean_model_text(model, name, v) if isinstance(v, str) else v for name, v in fields.items()}


def _reason(reason):
    return clean_model_text(MemberAffiliation, "reason", reason)


def _require_code_free(model, code, *, exclude_pk=None):
    if code and model.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        raise Conflict("code_taken", errors.CODE_TAKEN)


@transaction.atomic
def organ_create(
    *, name, short_name="", category="government", address="", contact_phone="", code="", committee_code="", actor=None
):
    """Create an organ together with its Party committee (the root of its Party-org tree).

    `actor=None` is the system itself (the demo loader, the admin); a given actor must be allowed.
    """
    require_create_organ(actor)
    texts = {"name": name, "short_name": short_name, "address": address, "contact_phone": contact_phone, "code": code}
    name, short_name, address, contact_phone, code = _texts(Organ, texts).values()
    if Organ.objects.filter(name=name).exists():
        raise Conflict("organ_name_taken", errors.ORGAN_NAME_TAKEN)
    _require_code_free(Organ, code)
    organ = Organ.objects.create(
        name=name, short_name=short_name, category=category, address=address, contact_phone=contact_phone, code=code
    )
    committee = _party_org_insert(
        organ=organ, parent=None, kind=PartyOrgKind.COMMITTEE, name=f"{name}机关党委", code=committee_code
    )
    audit_log(actor=actor, subject=organ, action="organ_create", after={"name": name, "code": code})
    audit_log(actor=actor, subject=committee, action="party_org_create", after={"name": committee.name})
    return organ


@transaction.atomic
def organ_update(*, organ, actor=None, **fields):
    """Change an organ's name, short name, category or code (its reviewer or whoever may create organs). Audited."""
    scope = scope_for(actor) if actor is not None else None
    if scope is not None and not scope.covers_organ(organ.pk):
        require_create_organ(actor)
    fields = _texts(Organ, fields)
    organ = Organ.objects.select_for_update().get(pk=organ.pk)
    if "name" in fields and Organ.objects.filter(name=fields["name"]).exclude(pk=organ.pk).exists():
        raise Conflict("organ_name_taken", errors.ORGAN_NAME_TAKEN)
    _require_code_free(Organ, fields.get("code"), exclude_pk=organ.pk)
    return _save_changed(organ, fields, allowed=_ORGAN_FIELDS, actor=actor, action="organ_update")


_ORGAN_FIELDS = ("name", "short_name", "category", "code")
_PARTY_ORG_FIELDS = ("name", "code")


def _save_changed(obj, fields, *, allowed, actor, action):
    """Set the given fields (checked by the caller), save, and audit the values before and after."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"{action}: not a field it changes: {sorted(unknown)}")
    before = {name: getattr(obj, name) for name in fields}
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()
    audit_log(actor=actor, subject=obj, action=action, before=before, after=fields)
    return obj


def _party_org_insert(*, organ, parent, kind, name, code=""):
    name, code = _texts(PartyOrg, {"name": name, "code": code}).values()
    parent_kind = parent.kind if parent else None
    if parent_kind not in _ALLOWED_PARENTS[PartyOrgKind(kind)] or (parent and parent.organ_id != organ.id):
        raise Invalid("party_org_parent_invalid", errors.PARENT_KIND_INVALID)
    _require_code_free(PartyOrg, code)
    if PartyOrg.objects.filter(organ=organ, name=name).exists():
        raise Conflict("party_org_name_taken", errors.PARTY_ORG_NAME_TAKEN)
    org = PartyOrg.objects.create(organ=organ, parent=parent, kind=kind, name=name, code=code)
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


@transaction.atomic
def party_org_create(*, organ, parent, kind, name, code="", actor=None):
    if parent is not None:
        require_build_party_org_tree(actor, parent)
    else:
        require_superuser(actor)
    org = _party_org_insert(organ=organ, parent=parent, kind=kind, name=name, code=code)
    audit_log(actor=actor, subject=org, action="party_org_create", after={"name": name, "code": code, "kind": kind})
    return org


@transaction.atomic
def party_org_update(*, party_org, actor=None, **fields):
    """Rename a Party organization or set its code (whoever manages it, or a district administrator). Audited."""
    require_build_party_org_tree(actor, party_org)
    fields = _texts(PartyOrg, fields)
    org = PartyOrg.objects.select_for_update().get(pk=party_org.pk)
    if (
        "name" in fields
        and PartyOrg.objects.filter(organ_id=org.organ_id, name=fields["name"]).exclude(pk=org.pk).exists()
    ):
        raise Conflict("party_org_name_taken", errors.PARTY_ORG_NAME_TAKEN)
    _require_code_free(PartyOrg, fields.get("code"), exclude_pk=org.pk)
    return _save_changed(org, fields, allowed=_PARTY_ORG_FIELDS, actor=actor, action="party_org_update")


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
    """Create the user (unless given) and their member profile in `branch`, opening the affiliation history.
    Audited (the member's organ, branch and start; not the ID number or the home address)."""
    _require_branch(branch)
    require_manage_party_org(actor, branch)
    texts = _texts(Member, {"id_number": id_number, "job_title": job_title, "home_address": home_address})
    id_number, job_title, home_address = texts.values()
    if user is None:
        user = user_create(phone=phone, name=name, password=password, actor=actor)
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
    started_on = joined_on or timezone.localdate()
    MemberAffiliation.objects.create(member=member, organ_id=branch.organ_id, branch=branch, started_on=started_on)
    audit_log(actor=actor, subject=member, action="member_create", after=_joined(member, started_on))
    forget_scope(user)
    return member


def _joined(member, started_on):
    """What a new member's audit entry says: who, where, since when."""
    return {"user": member.user_id, "organ": member.organ_id, "branch": member.branch_id, "on": started_on}


@transaction.atomic
def member_move(*, member, branch, on=None, reason="", actor=None):
    """Move a member to another branch (maybe of another organ); the old affiliation is closed, not rewritten.

    Whoever manages the member's current branch may transfer them out, to any branch. Moved to another organ, they
    leave the former organ's volunteer teams (apps.teams.services.team_memberships_end).
    """
    _require_branch(branch)
    require_manage_party_org(actor, member.branch)
    reason = _reason(reason)
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
    before = {"organ": member.organ_id, "branch": member.branch_id}
    member.branch = branch
    member.organ_id = branch.organ_id
    member.save(update_fields=["branch", "organ", "updated_at"])
    audit_log(
        actor=actor,
        subject=member,
        action="member_move",
        before=before,
        after={"organ": branch.organ_id, "branch": branch.pk, "on": on},
        reason=reason,
    )
    if before["organ"] != branch.organ_id:
        # A team keeps members of its own organ only: the member leaves the former organ's teams.
        team_memberships_end(member=member, actor=actor, reason=reason)
    forget_scope(member.user)
    return member


# Member fields a manager may change (the name lives on the user).
_MEMBER_FIELDS = ("job_title", "home_address")


@transaction.atomic
def member_update(*, member, actor=None, name=None, **fields):
    """Change a member's name, job title or home address (whoever manages their branch). Audited."""
    require_manage_party_org(actor, member.branch)
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    unknown = set(fields) - set(_MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"not a member field: {sorted(unknown)}")
    fields = _texts(Member, fields)
    if name is not None:
        name = clean_model_text(User, "name", name)
    before = {f: getattr(member, f) for f in fields}
    for f, value in fields.items():
        setattr(member, f, value)
    member.save()
    if name and name != member.user.name:
        before["name"] = member.user.name
        member.user.name = name
        member.user.save(update_fields=["name"])
        fields["name"] = member.user.name
    audit_log(actor=actor, subject=member, action="member_update", before=before, after=fields)
    return member


@transaction.atomic
def member_set_active(*, member, active, actor=None, reason=""):
    """Deactivate a member (left the organ, retired: never deleted; their history stays) or make them active again.

    A deactivated member cannot sign in as a member; their records keep counting for the periods they served. They
    leave every volunteer team (apps.teams.services.team_memberships_end).
    """
    require_manage_party_org(actor, member.branch)
    reason = _reason(reason)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_active == active:
        raise Conflict(
            "member_already_active" if active else "member_already_inactive",
            errors.MEMBER_ALREADY_ACTIVE if active else errors.MEMBER_ALREADY_INACTIVE,
        )
    member.is_active = active
    member.save(update_fields=["is_active", "updated_at"])
    audit_log(
        actor=actor,
        subject=member,
        action="member_activate" if active else "member_deactivate",
        before={"is_active": not active},
        after={"is_active": active},
        reason=reason,
    )
    if not active:
        # No longer in service: out of every team (reactivating does not bring them back; they apply again).
        team_memberships_end(member=member, actor=actor, reason=reason)
    forget_scope(member.user)
    return member


@transaction.atomic
def members_bulk_create(*, entries, actor=None, joined_on=None, reason=""):
    """Create many members at once (a roster import): the same rules as member_create, in a few statements.

    `entries` are dicts with branch, phone (normalized), name, job_title, home_address and an optional existing
    `user` (someone already on the platform, e.g. as staff, who is also a member). New users get no usable
    password: they set one with a one-time code sent to their mobile number. Each member gets the audit entry of
    member_create, with the reason (the new users are in their members' entries). Returns the members in order.
    """
    reason = _reason(reason)
    for branch in {e["branch"].pk: e["branch"] for e in entries}.values():
        _require_branch(branch)
        require_manage_party_org(actor, branch)
    new_users = []
    for entry in entries:
        if entry.get("user") is None:
            user = User(phone=entry["phone"], name=entry["name"])
            user.set_unusable_password()
            new_users.append(user)
            entry["user"] = user
    try:
        with transaction.atomic():
            User.objects.bulk_create(new_users, batch_size=500)
            members = Member.objects.bulk_create(
                [
                    Member(
                        user=e["user"],
                        organ_id=e["branch"].organ_id,
                        branch=e["branch"],
                        job_title=e.get("job_title", ""),
                        home_address=e.get("home_address", ""),
                    )
                    for e in entries
                ],
                batch_size=500,
            )
    except IntegrityError as exc:  # a number or a profile taken since the import was checked
        raise Conflict("already_a_member", errors.ALREADY_A_MEMBER) from exc
    started_on = joined_on or timezone.localdate()
    MemberAffiliation.objects.bulk_create(
        [
            MemberAffiliation(member=m, organ_id=m.organ_id, branch=m.branch, started_on=started_on, reason=reason)
            for m in members
        ],
        batch_size=500,
    )
    audit_log_many(
        actor=actor,
        action="member_create",
        changes=[(m, None, _joined(m, started_on)) for m in members],
        reason=reason,
    )
    return members
