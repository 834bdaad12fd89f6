"""What every kind of import shares: its columns, how one row's cells are cleaned, and the plan it makes.

An importer checks a chunk of rows at a time (`check_rows`), then looks across the whole file once (`check_end`),
and finally applies the stored plan (`apply`) through the apps' services inside the caller's transaction.
"""

from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.imports import errors as import_errors
from apps.imports.models import ImportRow, RowAction
from apps.imports.reading import open_table


class RowErrors:
    """The errors of one row, each naming its column by the header the file uses."""

    def __init__(self, columns):
        self._headers = {c.key: c.header for c in columns}
        self.items = []

    def add(self, key, message):
        self.items.append({"column": self._headers.get(key, ""), "message": str(message)})

    def __bool__(self):
        return bool(self.items)


class Importer:
    kind = ""
    columns = ()
    sheet_title = ""
    accept = ".xlsx,.csv"  # what the upload form offers to pick

    def __init__(self, *, batch, actor, scope):
        self.batch = batch
        self.actor = actor
        self.scope = scope

    # --- the file ------------------------------------------------------------------------------------------------

    @classmethod
    def open_file(cls, file, file_name, *, count=True):
        """The uploaded file as a table of this importer's columns (raises FileProblem)."""
        return open_table(file, file_name, cls.columns, count=count)

    @classmethod
    def template(cls):
        """The downloadable template: (content, content type, file extension)."""
        from apps.imports.workbooks import XLSX_TYPE, template_workbook

        return template_workbook(cls), XLSX_TYPE, "xlsx"

    # --- reading one row -----------------------------------------------------------------------------------------

    def clean(self, record):
        """{key: text} → ({key: value}, RowErrors): required columns filled, fixed choices mapped to their values."""
        errors = RowErrors(self.columns)
        values = {}
        for column in self.columns:
            text = record.get(column.key, "")
            if not text:
                if column.required:
                    errors.add(column.key, _("This column must be filled in."))
                values[column.key] = "" if not column.choices else None
                continue
            if column.choices:
                mapping = dict(column.choices)
                mapping.update({value: value for _label, value in column.choices})
                if text not in mapping:
                    errors.add(
                        column.key,
                        _("“%(value)s” is not one of: %(choices)s.")
                        % {"value": text, "choices": "、".join(label for label, _v in column.choices)},
                    )
                    values[column.key] = None
                    continue
                values[column.key] = mapping[text]
            else:
                values[column.key] = text
        return values, errors

    @staticmethod
    def row(number, *, key="", action, data=None, changes=None, errors=None, target_id=None):
        if errors:
            action = RowAction.ERROR
        return ImportRow(
            row_number=number,
            key=key[:64],
            action=action,
            data=data or {},
            changes=changes or {},
            errors=list(errors.items) if errors else [],
            target_id=target_id,
        )

    # --- the steps ----------------------------------------------------------------------------------------------

    def check_rows(self, records):
        """[(row number, {key: text})] → unsaved ImportRows (one per record), in the same order."""
        raise NotImplementedError

    def check_end(self):
        """Checks across the whole file, once every row is stored: duplicates, references to other rows."""

    def apply(self):
        """Carry out the stored plan through the services; raise a DomainError (naming the row) to undo it all."""
        raise NotImplementedError

    # --- helpers for check_end and apply -------------------------------------------------------------------------

    def stored_rows(self, *actions):
        rows = self.batch.rows.order_by("row_number", "id")
        if actions:
            rows = rows.filter(action__in=actions)
        return rows

    def mark_duplicates(self, message):
        """Every row whose key appears more than once in the file gets an error naming the other rows."""
        from django.db.models import Count

        duplicated = (
            self.batch.rows.exclude(key="")
            .filter(row_number__gt=0)
            .order_by()
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("key", flat=True)
        )
        key_column = next(c for c in self.columns if c.key == self.key_column)
        for key in list(duplicated):
            rows = list(self.batch.rows.filter(key=key, row_number__gt=0).order_by("row_number"))
            numbers = "、".join(str(r.row_number) for r in rows)
            for row in rows:
                row.errors = [*row.errors, {"column": key_column.header, "message": message % {"rows": numbers}}]
                row.action = RowAction.ERROR
                row.save(update_fields=["errors", "action", "updated_at"])

    key_column = ""


def phones_in(records):
    """The valid mobile numbers of a chunk's rows, normalized (the others are reported row by row by `phone_of`)."""
    from apps.accounts.services import normalize_phone

    phones = set()
    for _number, record in records:
        try:
            phones.add(normalize_phone(record.get("phone")))
        except DomainError:
            pass
    return phones


def phone_of(values, errors):
    """The row's mobile number normalized ("+86 139-0000-0001" → "13900000001"), or "" with an error on it."""
    from apps.accounts.services import normalize_phone

    if not values["phone"]:
        return ""
    try:
        return normalize_phone(values["phone"])
    except DomainError as error:
        errors.add("phone", error.message)
        return ""


def changed(changes, label, before, after):
    """Record a field's change for the preview when the value differs."""
    before, after = str(before or ""), str(after or "")  # labels may be lazy translations: stored as text
    if before != after:
        changes[str(label)] = [before, after]


def apply_row(row, call):
    """Run one row's service call; a refusal names the row (and the whole import is undone by the caller)."""
    try:
        return call()
    except DomainError as error:
        raise import_errors.row_failed(row, error) from error
