"""Pages of community staff and grid workers (the desk)."""

from django.urls import path

from apps.web.staff import activity_edit, households, posts, records, residents, views

app_name = "staff"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # registrations
    path("registrations/", views.RegistrationListView.as_view(), name="registrations"),
    path("registrations/<int:pk>/confirm/", views.RegistrationConfirmView.as_view(), name="registration-confirm"),
    path("registrations/<int:pk>/reject/", views.RegistrationRejectView.as_view(), name="registration-reject"),
    path(
        "registrations/<int:pk>/certificate/",
        views.RegistrationCertificateView.as_view(),
        name="registration-certificate",
    ),
    # micro-wishes
    path("wishes/", views.WishListView.as_view(), name="wishes"),
    path("wishes/new/", views.WishCreateView.as_view(), name="wish-new"),
    path("wishes/<int:pk>/", views.WishDetailView.as_view(), name="wish-detail"),
    path("wishes/<int:pk>/submit/", views.WishSubmitView.as_view(), name="wish-submit"),
    path("wishes/<int:pk>/verify/", views.WishVerifyView.as_view(), name="wish-verify"),
    path("wishes/<int:pk>/publish/", views.WishPublishView.as_view(), name="wish-publish"),
    path("wishes/<int:pk>/revoke/", views.WishRevokeView.as_view(), name="wish-revoke"),
    path("wishes/<int:pk>/cancel/", views.WishCancelView.as_view(), name="wish-cancel"),
    path("wishes/<int:pk>/confirm/", views.WishConfirmView.as_view(), name="wish-confirm"),
    # residents' requests (居民点单): the decision (选单) and the community's poster
    path("requests/", residents.RequestListView.as_view(), name="resident-requests"),
    path("requests/<int:pk>/", residents.RequestDetailView.as_view(), name="resident-request"),
    path("requests/<int:pk>/accept/", residents.RequestAcceptView.as_view(), name="resident-request-accept"),
    path("requests/<int:pk>/merge/", residents.RequestMergeView.as_view(), name="resident-request-merge"),
    path("requests/<int:pk>/decline/", residents.RequestDeclineView.as_view(), name="resident-request-decline"),
    path("requests/poster/<int:pk>/", residents.PosterView.as_view(), name="resident-request-poster"),
    # activities, on-site check-in, attendance and hours
    path("activities/", views.ActivityListView.as_view(), name="activities"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity-new"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path("activities/<int:pk>/publish/", views.ActivityPublishView.as_view(), name="activity-publish"),
    path("activities/<int:pk>/cancel/", views.ActivityCancelView.as_view(), name="activity-cancel"),
    path("activities/<int:pk>/edit/", activity_edit.ActivityEditView.as_view(), name="activity-edit"),
    path("activities/<int:pk>/checkin-code/", views.CheckinCodeView.as_view(), name="activity-checkin-code"),
    path("activities/<int:pk>/attendance/", views.AttendanceView.as_view(), name="activity-attendance"),
    path("activities/<int:pk>/attendance.xlsx", views.AttendanceExcelView.as_view(), name="activity-attendance-xlsx"),
    path("activities/<int:pk>/finish/", views.ActivityFinishView.as_view(), name="activity-finish"),
    path("activities/<int:pk>/residents/", views.ActivityResidentsView.as_view(), name="activity-residents"),
    path("signups/<int:pk>/attendance/", views.AttendanceMarkView.as_view(), name="signup-attendance"),
    path("signups/<int:pk>/cancel/", views.SignUpCancelView.as_view(), name="signup-cancel"),
    path("signups/<int:pk>/approve/", views.HoursApproveView.as_view(), name="signup-approve"),
    path("signups/<int:pk>/adjust/", views.HoursAdjustView.as_view(), name="signup-adjust"),
    path("signups/<int:pk>/reject/", views.HoursRejectView.as_view(), name="signup-reject"),
    # service records: manual entries, decisions, corrections
    path("records/", records.RecordListView.as_view(), name="records"),
    path("records/new/", records.RecordCreateView.as_view(), name="record-new"),
    path("records/<int:pk>/approve/", records.RecordApproveView.as_view(), name="record-approve"),
    path("records/<int:pk>/adjust/", records.RecordAdjustView.as_view(), name="record-adjust"),
    path("records/<int:pk>/reject/", records.RecordRejectView.as_view(), name="record-reject"),
    # standing posts (设岗认岗) and who holds them
    path("posts/", posts.PostListView.as_view(), name="posts"),
    path("posts/new/", posts.PostCreateView.as_view(), name="post-new"),
    path("posts/<int:pk>/edit/", posts.PostEditView.as_view(), name="post-edit"),
    path("posts/<int:pk>/deactivate/", posts.PostDeactivateView.as_view(), name="post-deactivate"),
    path("posts/claims/<int:pk>/release/", posts.PostClaimReleaseView.as_view(), name="post-claim-release"),
    # household pairing (结对帮扶): households recorded with consent, their pairings with members or teams
    path("households/", households.HouseholdListView.as_view(), name="households"),
    path("households/new/", households.HouseholdCreateView.as_view(), name="household-new"),
    path("households/<int:pk>/", households.HouseholdDetailView.as_view(), name="household"),
    path("households/<int:pk>/edit/", households.HouseholdEditView.as_view(), name="household-edit"),
    path("households/<int:pk>/close/", households.HouseholdCloseView.as_view(), name="household-close"),
    path("households/<int:pk>/pair/", households.HouseholdPairView.as_view(), name="household-pair"),
    path("household-pairings/<int:pk>/end/", households.PairingEndView.as_view(), name="household-pairing-end"),
    # year-end evaluations
    path("evaluations/", views.EvaluationListView.as_view(), name="evaluations"),
    path("evaluations/submit/", views.EvaluationSubmitView.as_view(), name="evaluation-submit"),
]
