"""Admin for imports: read-only history (imports are made and applied on the management pages)."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.imports.models import ImportBatch, ImportRow


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "file_name", "created_by", "status", "rows_total", "applied_at"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "created_by__name"]
    list_select_related = ["created_by"]


@admin.register(ImportRow)
class ImportRowAdmin(ReadOnlyAdmin):
    list_display = ["batch", "row_number", "key", "action"]
    list_filter = ["action"]
    list_select_related = ["batch"]
