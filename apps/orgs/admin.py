"""Admin for organs, Party organizations and members."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.orgs.models import Member, MemberAffiliation, Organ, PartyOrg


class PartyOrgInline(admin.TabularInline):
    model = PartyOrg
    extra = 0
    fields = ("kind", "name", "parent")
    raw_id_fields = ("parent",)


@admin.register(Organ)
class OrganAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "category")
    list_filter = ("category",)
    search_fields = ("name", "short_name")
    inlines = [PartyOrgInline]


@admin.register(PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "organ", "parent", "path")
    list_filter = ("kind", "organ")
    search_fields = ("name",)
    raw_id_fields = ("parent",)


class AffiliationInline(admin.TabularInline):
    model = MemberAffiliation
    extra = 0
    readonly_fields = ("organ", "branch", "started_on", "ended_on", "reason")
    can_delete = False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("user", "organ", "branch", "job_title", "is_active")
    list_filter = ("organ", "is_active")
    search_fields = ("user__name", "user__phone")
    raw_id_fields = ("user", "branch")
    # Moves go through member_move (history); members are created through the API or the demo loader.
    readonly_fields = ("organ", "branch")

    def has_add_permission(self, request):
        return False

    inlines = [AffiliationInline]


@admin.register(MemberAffiliation)
class MemberAffiliationAdmin(ReadOnlyAdmin):
    """The history of members' branches: written by member_move, read-only here."""

    list_display = ("member", "organ", "branch", "started_on", "ended_on", "reason")
    list_filter = ("organ",)
    search_fields = ("member__user__name",)
    list_select_related = ("member__user", "organ", "branch")
