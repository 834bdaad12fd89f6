"""Who may import what, built on apps.accounts.scope: each kind follows the scope of the people who run it."""

from apps.accounts.scope import scope_for
from apps.imports import errors
from apps.imports.models import ImportKind


def importable_kinds(scope):
    """Geography, its place names and boundaries: district and street administrators; organs and their Party
    organizations: district administrators (any organ) and organ reviewers (their own organ's tree); member
    rosters: organ reviewers; staff and roles: whoever appoints (apps.accounts.permissions.may_appoint decides each
    row); a superuser all."""
    kinds = []
    if scope.is_superuser or scope.district_ids or scope.street_ids:
        kinds += [ImportKind.GEOGRAPHY, ImportKind.GAZETTEER, ImportKind.BOUNDARIES]
    if scope.is_superuser or scope.district_ids or scope.organ_ids:
        kinds.append(ImportKind.ORGANIZATIONS)
    if scope.is_superuser or scope.organ_ids:
        kinds.append(ImportKind.MEMBERS)
    if scope.is_superuser or scope.district_ids or scope.street_ids or scope.organ_ids:
        kinds.append(ImportKind.STAFF)
    return kinds


def require_may_import(actor, kind):
    if kind not in importable_kinds(scope_for(actor)):
        raise errors.not_allowed()


def may_see_batch(actor, batch):
    """An import is seen and carried on by whoever uploaded it (while they may still import that kind) or a
    superuser."""
    scope = scope_for(actor)
    if scope.is_superuser:
        return True
    return batch.created_by_id == actor.pk and batch.kind in importable_kinds(scope)
