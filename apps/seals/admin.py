"""Seals and verifications in the admin: read-only, like the audit trail."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.seals.models import LedgerCheck, Seal, SealLeaf


@admin.register(Seal)
class SealAdmin(ReadOnlyAdmin):
    list_display = ("seq", "sealed_at", "first_position", "last_position", "digest")
    ordering = ("-seq",)


@admin.register(LedgerCheck)
class LedgerCheckAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "ok", "seals", "leaves", "problem_count", "last_seal")


@admin.register(SealLeaf)
class SealLeafAdmin(ReadOnlyAdmin):
    list_display = ("position", "kind", "row_id")
    list_filter = ("kind",)
    ordering = ("-position",)
