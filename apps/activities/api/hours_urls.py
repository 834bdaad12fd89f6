"""Routes of attendance sheets and hours decisions (explicit paths, beside the activities router)."""

from django.urls import path

from apps.activities.api import hours_views as v

urlpatterns = [
    path("activities/<int:pk>/attendance/", v.AttendanceSheetView.as_view(), name="activity-attendance"),
    path("activities/<int:pk>/attendance.xlsx", v.AttendanceSheetExcelView.as_view(), name="activity-attendance-xlsx"),
    path("activities/<int:pk>/finish/", v.ActivityFinishView.as_view(), name="activity-finish"),
    path("activities/<int:pk>/residents/", v.ActivityResidentsView.as_view(), name="activity-residents"),
    path("signups/<int:pk>/attendance/", v.AttendanceMarkView.as_view(), name="signup-attendance"),
    path("signups/<int:pk>/approve-hours/", v.HoursApproveView.as_view(), name="signup-approve-hours"),
    path("signups/<int:pk>/adjust-hours/", v.HoursAdjustView.as_view(), name="signup-adjust-hours"),
    path("signups/<int:pk>/reject-hours/", v.HoursRejectView.as_view(), name="signup-reject-hours"),
    path("signups/<int:pk>/dispute/", v.HoursDisputeView.as_view(), name="signup-dispute"),
]
