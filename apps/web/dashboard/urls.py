"""The dashboard of organ committees, branch secretaries and district or street administrators."""

from django.urls import path

from apps.web.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("rankings/", views.RankingsView.as_view(), name="rankings"),
    path("members/", views.MemberTableView.as_view(), name="members"),
    path("branches/", views.BranchTableView.as_view(), name="branches"),
    path("places/", views.PlacesView.as_view(), name="places"),
    path("zero-service/", views.ZeroServiceView.as_view(), name="zero_service"),
    path("unregistered/", views.UnregisteredView.as_view(), name="unregistered"),
    path("evaluations/", views.EvaluationsView.as_view(), name="evaluations"),
    path("export/<slug:kind>/", views.ExportView.as_view(), name="export"),
    path("report/<slug:file_format>/", views.ReportView.as_view(), name="report"),
]
