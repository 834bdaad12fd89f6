"""Admin for households, pairings and visits: read-only, because every change goes through the services."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.households.models import Household, HouseholdPairing, HouseholdVisit


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["head_name", "community", "grid", "situation", "status", "consent_on"]
    list_filter = ["status", "situation"]
    search_fields = ["head_name", "address", "community__name"]
    list_select_related = ["community", "grid"]


@admin.register(HouseholdPairing)
class HouseholdPairingAdmin(ReadOnlyAdmin):
    list_display = ["household", "member", "team", "started_on", "ended_on"]
    search_fields = ["household__head_name", "member__user__name", "team__name"]
    list_select_related = ["household", "member__user", "team"]


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(ReadOnlyAdmin):
    list_display = ["pairing", "self_service", "created_at"]
    list_select_related = ["pairing__household", "self_service"]
