"""Writes on users and role assignments."""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts import errors
from apps.accounts.models import PHONE_PATTERN, ROLE_SCOPE_FIELD, Role, RoleAssignment, User
from apps.accounts.permissions import require_appoint
from apps.accounts.scope import forget_scope
from apps.core.errors import Invalid
from apps.core.text import REASON_MAX, clean_model_text, clean_text


def normalize_phone(phone):
    """Strip spaces, dashes and a +86 / 86 prefix; raise invalid_phone unless 11 mainland mobile digits remain."""
    digits = re.sub(r"[\s\-]", "", str(phone or ""))
    digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
    if not re.fullmatch(PHONE_PATTERN, digits):
        raise errors.invalid_phone()
    return digits


@transaction.atomic
def user_create(*, phone, name, password=None, email="", validate=True, actor=None):
    """Put a person on the platform (`actor` None: the system, e.g. the demo loader). Audited, without the mobile
    number or the password."""
    from apps.ledger.services import audit_log

    phone = normalize_phone(phone)
    name = clean_model_text(User, "name", name)
    if not name:
        raise Invalid("name_required", errors.NAME_REQUIRED)
    if User.objects.filter(phone=phone).exists():
        raise errors.phone_taken()
    user = User(phone=phone, name=name, email=email)
    if password:
        if validate:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise Invalid("weak_password", " ".join(exc.messages)) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent create of the same phone
        raise errors.phone_taken() from exc
    audit_log(
        actor=actor,
        subject=user,
        action="user_create",
        after={"name": user.name, "usable_password": user.has_usable_password()},
    )
    return user


@transaction.atomic
def role_assign(*, user, role, node, actor=None):
    """Give `user` the `role` on `node` (a Community, Grid, PartyOrg, Organ, District or Street), as `actor` (None:
    the system). Idempotent: a new appointment is audited ("role_appoint"), an existing one returned unchanged. Who
    may appoint is the caller's business (role_appoint checks it)."""
    from apps.ledger.services import audit_log

    if role not in Role.values or node is None:
        raise errors.role_scope_missing()
    field = ROLE_SCOPE_FIELD[Role(role)]
    expected = RoleAssignment._meta.get_field(field).related_model
    if not isinstance(node, expected):
        raise errors.role_scope_missing()
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, **{field: node})
    if created:
        after = {"user": user.pk, "role": role, field: node.pk}
        audit_log(actor=actor, subject=assignment, action="role_appoint", after=after)
    forget_scope(user)
    return assignment


@transaction.atomic
def role_appoint(*, user, role, node, actor=None):
    """Appoint `user` to `role` on `node` as `actor` (see apps.accounts.permissions.may_appoint). Idempotent: an
    existing appointment is returned unchanged and not audited again. Returns (assignment, created)."""
    require_appoint(actor, role, node)
    field = ROLE_SCOPE_FIELD.get(role)
    existing = RoleAssignment.objects.filter(user=user, role=role, **{field: node}).first() if field else None
    if existing is not None:
        return existing, False
    return role_assign(user=user, role=role, node=node, actor=actor), True


@transaction.atomic
def role_revoke(*, assignment, actor=None, reason=""):
    """End an appointment (the role row is removed; the audit trail keeps who held it and who ended it)."""
    from apps.ledger.services import audit_log

    require_appoint(actor, assignment.role, assignment.scope_node)
    reason = clean_text(reason, max_length=REASON_MAX, field="reason")
    field = ROLE_SCOPE_FIELD[Role(assignment.role)]
    audit_log(
        actor=actor,
        subject=assignment,
        action="role_revoke",
        before={"user": assignment.user_id, "role": assignment.role, field: getattr(assignment, f"{field}_id")},
        reason=reason,
    )
    user = assignment.user
    assignment.delete()
    forget_scope(user)


@transaction.atomic
def person_appoint(*, phone, name, role, node, actor=None):
    """Appoint the person with this mobile number, putting them on the platform first if they are new (no password:
    they set one with a one-time code). Returns (assignment, created)."""
    require_appoint(actor, role, node)
    phone = normalize_phone(phone)
    user = User.objects.filter(phone=phone).first() or user_create(phone=phone, name=name, actor=actor)
    return role_appoint(user=user, role=role, node=node, actor=actor)
