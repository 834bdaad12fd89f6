"""Admin for residents' requests: read-only, because every change goes through the services."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.residents.models import ResidentRequest


@admin.register(ResidentRequest)
class ResidentRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "community", "grid", "status", "created_at", "decided_at", "resident_rating"]
    list_filter = ["status", "community__street", "community"]
    list_select_related = ["community", "grid"]
    date_hierarchy = "created_at"
    # The tracking token is the resident's key to the request: not shown, even here.
    exclude = ["token"]
