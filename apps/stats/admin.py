"""Admin for statistics: the roll-up tables are read-only (the ledger maintains them); star-level rules are edited."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.stats.models import CommunityDayTotal, MemberDayTotal, OrganDayTotal, StarRule, TeamDayTotal


@admin.register(MemberDayTotal)
class MemberDayTotalAdmin(ReadOnlyAdmin):
    list_display = ["day", "member", "organ", "branch", "community", "person_times", "minutes", "points"]
    list_filter = ["organ"]
    date_hierarchy = "day"
    list_select_related = ["member__user", "organ", "branch", "community"]


@admin.register(OrganDayTotal)
class OrganDayTotalAdmin(ReadOnlyAdmin):
    list_display = ["day", "organ", "person_times", "minutes", "points"]
    list_filter = ["organ"]
    date_hierarchy = "day"
    list_select_related = ["organ"]


@admin.register(CommunityDayTotal)
class CommunityDayTotalAdmin(ReadOnlyAdmin):
    list_display = ["day", "community", "person_times", "minutes", "points"]
    list_filter = ["community"]
    date_hierarchy = "day"
    list_select_related = ["community"]


@admin.register(TeamDayTotal)
class TeamDayTotalAdmin(ReadOnlyAdmin):
    list_display = ["day", "team", "member", "person_times", "minutes", "points"]
    list_filter = ["team"]
    date_hierarchy = "day"
    list_select_related = ["team", "member__user"]


@admin.register(StarRule)
class StarRuleAdmin(admin.ModelAdmin):
    list_display = ["year", "subject", "one_star", "two_stars", "three_stars", "four_stars", "five_stars"]
    list_filter = ["subject"]
