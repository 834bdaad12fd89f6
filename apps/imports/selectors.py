"""Reads of imports: the history a user may see, a batch's rows by what applying them does."""

from django.db.models import Count

from apps.accounts.scope import scope_for
from apps.imports.models import ImportBatch, RowAction
from apps.imports.permissions import importable_kinds


def import_list(*, user):
    scope = scope_for(user)
    batches = ImportBatch.objects.select_related("created_by", "applied_by")
    if scope.is_superuser:
        return batches
    return batches.filter(created_by=user, kind__in=importable_kinds(scope))


def import_rows(*, batch, action=None):
    rows = batch.rows.all()
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("row_number", "id")


def import_counts(*, batch):
    """{action: n} over the batch's stored rows (every action present, zeros included)."""
    found = dict(batch.rows.order_by().values("action").annotate(n=Count("id")).values_list("action", "n"))
    return {action: found.get(action, 0) for action in RowAction.values}
