"""Every write of an import: start it from an uploaded file, check it a chunk at a time, apply it, cancel it.

Checking writes only the import's own rows (the plan), a chunk per call, so a long file shows its progress and no
request runs for long; applying carries out the whole plan through the apps' services in one transaction, so an
import is written entirely or not at all.
"""

from itertools import islice

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.scope import scope_for
from apps.core.errors import DomainError
from apps.imports import errors
from apps.imports.importers import importer_class
from apps.imports.models import ImportBatch, ImportRow, ImportStatus, RowAction
from apps.imports.permissions import may_see_batch, require_may_import
from apps.imports.reading import FileProblem
from apps.imports.selectors import import_counts
from apps.ledger.services import audit_log


def _importer(batch, actor):
    return importer_class(batch.kind)(batch=batch, actor=actor, scope=scope_for(actor))


def _locked(batch):
    return ImportBatch.objects.select_for_update().get(pk=batch.pk)


def _require_own(actor, batch):
    if not may_see_batch(actor, batch):
        raise errors.not_allowed()


@transaction.atomic
def import_start(*, kind, file, actor, deactivate_missing=False):
    """Keep the uploaded file as a new import and look at it as a whole; its rows are checked by import_check_step.

    A file that cannot be read (wrong type, merged cells, extra sheets, missing columns, too many rows) gives an
    import with status "has errors" and the reason, kept in the history like any other.
    """
    require_may_import(actor, kind)
    if file is None:
        raise errors.file_required()
    limit = settings.IMPORT_MAX_BYTES
    if file.size > limit:
        raise errors.file_too_large(limit)
    name = str(getattr(file, "name", "") or "upload")[-200:]
    batch = ImportBatch(kind=kind, created_by=actor, file_name=name, deactivate_missing=bool(deactivate_missing))
    batch.file.save(name.rsplit("/", 1)[-1], file, save=False)
    batch.save()
    try:
        with batch.file.open("rb") as stored:
            table = importer_class(kind).open_file(stored, name)
            table.close()
    except FileProblem as problem:
        return _refuse_file(batch, problem.message)
    limit_rows = settings.IMPORT_MAX_ROWS
    if table.total > limit_rows:
        return _refuse_file(
            batch,
            _("The file has %(n)s data rows; one import takes at most %(max)s (rows 2 to %(last)s). Split it.")
            % {"n": table.total, "max": limit_rows, "last": limit_rows + 1},
        )
    if table.total == 0:
        return _refuse_file(batch, _("The file has no data rows under its headers."))
    batch.rows_total = table.total
    batch.save(update_fields=["rows_total", "updated_at"])
    return batch


def _refuse_file(batch, message):
    batch.status = ImportStatus.INVALID
    batch.file_error = message
    batch.checked_at = timezone.now()
    batch.save(update_fields=["status", "file_error", "checked_at", "updated_at"])
    return batch


@transaction.atomic
def import_check_step(*, batch, actor):
    """Check the next chunk of rows (IMPORT_CHECK_CHUNK_ROWS) and store what applying each would do; after the last
    chunk, check across the file and set the status: ready to apply, or has errors. Returns the batch."""
    batch = _locked(batch)
    _require_own(actor, batch)
    require_may_import(actor, batch.kind)
    if batch.status != ImportStatus.CHECKING:
        return batch
    importer = _importer(batch, actor)
    chunk = settings.IMPORT_CHECK_CHUNK_ROWS
    try:
        with batch.file.open("rb") as stored:
            table = importer.open_file(stored, batch.file_name, count=False)
            records = list(islice(table.rows(skip=batch.rows_checked), chunk))
            table.close()
    except FileProblem as problem:  # the stored file changed or vanished since it was uploaded
        return _refuse_file(batch, problem.message)
    rows = importer.check_rows(records)
    for row in rows:
        row.batch = batch
    ImportRow.objects.bulk_create(rows, batch_size=500)
    done = len(records) < chunk
    batch.rows_checked = batch.rows_total if done else records[-1][0] - table.first_number + 1
    if done:
        importer.check_end()
        batch.counts = import_counts(batch=batch)
        batch.status = ImportStatus.INVALID if batch.counts[RowAction.ERROR] else ImportStatus.READY
        batch.checked_at = timezone.now()
    batch.save()
    return batch


def import_apply(*, batch, actor):
    """Apply a checked import in one transaction. If a service refuses a row (the data changed since the check),
    nothing is written, the import is marked failed with the row's reason, and the error is raised."""
    try:
        return _apply(batch=batch, actor=actor)
    except DomainError as error:
        if error.code in ("import_not_ready", "import_not_allowed"):
            raise
        with transaction.atomic():
            failed = _locked(batch)
            failed.status = ImportStatus.FAILED
            failed.file_error = error.message
            failed.save(update_fields=["status", "file_error", "updated_at"])
        raise


@transaction.atomic
def _apply(*, batch, actor):
    batch = _locked(batch)
    _require_own(actor, batch)
    require_may_import(actor, batch.kind)
    if batch.status != ImportStatus.READY:
        raise errors.not_ready()
    _importer(batch, actor).apply()
    batch.status = ImportStatus.APPLIED
    batch.applied_at = timezone.now()
    batch.applied_by = actor
    batch.save(update_fields=["status", "applied_at", "applied_by", "updated_at"])
    audit_log(
        actor=actor,
        subject=batch,
        action="import_apply",
        after={"kind": batch.kind, "file_name": batch.file_name, "counts": batch.counts},
    )
    return batch


@transaction.atomic
def import_cancel(*, batch, actor):
    """Drop a batch that was not applied (the plan is kept for the history, nothing else was written)."""
    batch = _locked(batch)
    _require_own(actor, batch)
    if batch.status in (ImportStatus.APPLIED, ImportStatus.CANCELLED):
        raise errors.not_ready()
    before = {"status": batch.status}
    batch.status = ImportStatus.CANCELLED
    batch.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=actor,
        subject=batch,
        action="import_cancel",
        before=before,
        after={"status": batch.status, "kind": batch.kind, "file_name": batch.file_name},
    )
    return batch
