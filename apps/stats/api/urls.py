"""API routes of the statistics app, under /api/v1/stats/."""

from django.urls import path

from apps.stats.api import views

urlpatterns = [
    path("stats/summary/", views.SummaryView.as_view(), name="stats-summary"),
    path("stats/breakdown/", views.BreakdownView.as_view(), name="stats-breakdown"),
    path("stats/rankings/", views.RankingView.as_view(), name="stats-rankings"),
    path("stats/members/", views.MemberTableView.as_view(), name="stats-members"),
    path("stats/branches/", views.BranchTableView.as_view(), name="stats-branches"),
    path("stats/zero-service/", views.ZeroServiceView.as_view(), name="stats-zero-service"),
    path("stats/unregistered/", views.UnregisteredView.as_view(), name="stats-unregistered"),
    path("stats/star-rules/", views.StarRulesView.as_view(), name="stats-star-rules"),
]
