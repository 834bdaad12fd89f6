"""Admin for volunteer teams and their memberships: read-only, because every change goes through the services."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.teams.models import Team, TeamMembership


class _MembershipInline(admin.TabularInline):
    model = TeamMembership
    fields = ["member", "status", "applied_at", "joined_at", "left_at", "decided_by", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "organ", "party_org", "specialty", "leader", "status"]
    list_filter = ["status", "specialty", "organ"]
    search_fields = ["name", "organ__name"]
    list_select_related = ["organ", "party_org", "leader__user"]
    inlines = [_MembershipInline]


@admin.register(TeamMembership)
class TeamMembershipAdmin(ReadOnlyAdmin):
    list_display = ["team", "member", "status", "applied_at", "joined_at", "left_at"]
    list_filter = ["status"]
    search_fields = ["team__name", "member__user__name"]
    list_select_related = ["team", "member__user"]
