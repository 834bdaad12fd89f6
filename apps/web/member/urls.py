"""Pages of in-service Party members (phones first)."""

from django.urls import path

from apps.web.member import households, teams, views

app_name = "member"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("claims/", views.MyClaimsView.as_view(), name="claims"),
    path("wishes/<int:pk>/", views.WishDetailView.as_view(), name="wish"),
    path("wishes/<int:pk>/claim/", views.WishClaimView.as_view(), name="wish_claim"),
    path("wishes/<int:pk>/release/", views.WishReleaseView.as_view(), name="wish_release"),
    path("wishes/<int:pk>/fulfil/", views.WishFulfilView.as_view(), name="wish_fulfil"),
    path("activities/", views.MyActivitiesView.as_view(), name="activities"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity"),
    path("activities/<int:pk>/signup/", views.SignUpView.as_view(), name="signup"),
    path("activities/<int:pk>/signup-team/", views.TeamSignUpView.as_view(), name="signup_team"),
    path("activities/<int:pk>/cancel/", views.SignUpCancelView.as_view(), name="signup_cancel"),
    # What the staff's on-site QR code should encode (with ?code=...): a confirm page, never a check-in by GET.
    path("activities/<int:pk>/checkin/", views.CheckinScanView.as_view(), name="checkin"),
    path("activities/<int:pk>/checkin/position/", views.CheckinByPositionView.as_view(), name="checkin_position"),
    path("activities/<int:pk>/checkin/code/", views.CheckinByCodeView.as_view(), name="checkin_code"),
    path("activities/<int:pk>/checkout/", views.CheckoutView.as_view(), name="checkout"),
    # volunteer teams: mine and my organ's, a team's page, applying and leaving; the leader's decisions
    path("teams/", teams.TeamListView.as_view(), name="teams"),
    path("teams/<int:pk>/", teams.TeamDetailView.as_view(), name="team"),
    path("teams/<int:pk>/apply/", teams.TeamApplyView.as_view(), name="team_apply"),
    path("teams/<int:pk>/leave/", teams.TeamLeaveView.as_view(), name="team_leave"),
    path("teams/memberships/<int:pk>/accept/", teams.AcceptView.as_view(), name="team_accept"),
    path("teams/memberships/<int:pk>/decline/", teams.DeclineView.as_view(), name="team_decline"),
    path("teams/memberships/<int:pk>/remove/", teams.RemoveView.as_view(), name="team_remove"),
    # household pairing (结对帮扶): my paired households, and registering a visit to one
    path("households/", households.MyHouseholdsView.as_view(), name="households"),
    path("households/<int:pk>/", households.HouseholdVisitView.as_view(), name="household"),
]
