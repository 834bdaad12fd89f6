"""Routes of the statistics Excel exports and the service report, under /api/v1/stats/exports/."""

from django.urls import path

from apps.stats.api import export_views as v

urlpatterns = [
    path("stats/exports/members/", v.MemberTableExportView.as_view(), name="stats-export-members"),
    path("stats/exports/branches/", v.BranchSummaryExportView.as_view(), name="stats-export-branches"),
    path("stats/exports/unregistered-and-zero-service/", v.MemberListsExportView.as_view(), name="stats-export-lists"),
    path("stats/exports/places/", v.PlaceSummaryExportView.as_view(), name="stats-export-places"),
    path("stats/exports/organs-in-area/", v.OrgansInAreaExportView.as_view(), name="stats-export-organs-in-area"),
    path("stats/exports/report/", v.ReportExportView.as_view(), name="stats-export-report"),
]
