"""Management pages: imports (and, later, people and places) for administrators and organ reviewers."""

from django.urls import path

from apps.web.manage import certificates, pairings, people, receipts, teams, views

app_name = "manage"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("imports/new/<str:kind>/", views.ImportUploadView.as_view(), name="import-new"),
    path("imports/template/<str:kind>/", views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/step/", views.ImportStepView.as_view(), name="import-step"),
    path("imports/<int:pk>/apply/", views.ImportApplyView.as_view(), name="import-apply"),
    path("imports/<int:pk>/cancel/", views.ImportCancelView.as_view(), name="import-cancel"),
    # an organ reviewer's members
    path("members/", people.MemberListView.as_view(), name="members"),
    path("members/<int:pk>/", people.MemberDetailView.as_view(), name="member-detail"),
    path("members/<int:pk>/move/", people.MemberMoveView.as_view(), name="member-move"),
    path("members/<int:pk>/transfer/", people.MemberTransferView.as_view(), name="member-transfer"),
    path("members/<int:pk>/certificate/", people.MemberCertificateView.as_view(), name="member-certificate"),
    path("members/<int:pk>/active/", people.MemberActiveView.as_view(), name="member-active"),
    path("members/<int:pk>/secretary/", people.MemberSecretaryView.as_view(), name="member-secretary"),
    # the certificates of an organ reviewer's members
    path("certificates/", certificates.CertificateListView.as_view(), name="certificates"),
    path("certificates/<int:pk>/pdf/", certificates.CertificatePdfView.as_view(), name="certificate-pdf"),
    path("certificates/<int:pk>/revoke/", certificates.CertificateRevokeView.as_view(), name="certificate-revoke"),
    # the organ's pairings with communities (结对共建) and its members' registration receipts (回执)
    path("pairings/", pairings.PairingListView.as_view(), name="pairings"),
    path("pairings/new/", pairings.PairingCreateView.as_view(), name="pairing-new"),
    path("pairings/<int:pk>/end/", pairings.PairingEndView.as_view(), name="pairing-end"),
    path("receipts/", receipts.ReceiptListView.as_view(), name="receipts"),
    path("receipts/<int:pk>/certificate/", receipts.ReceiptCertificateView.as_view(), name="receipt-certificate"),
    # the organ's volunteer teams (志愿服务队)
    path("teams/", teams.TeamListView.as_view(), name="teams"),
    path("teams/new/", teams.TeamCreateView.as_view(), name="team-new"),
    path("teams/<int:pk>/", teams.TeamDetailView.as_view(), name="team-detail"),
    path("teams/<int:pk>/edit/", teams.TeamEditView.as_view(), name="team-edit"),
    path("teams/<int:pk>/leader/", teams.TeamLeaderView.as_view(), name="team-leader"),
    path("teams/<int:pk>/dissolve/", teams.TeamDissolveView.as_view(), name="team-dissolve"),
    path("teams/memberships/<int:pk>/accept/", teams.AcceptView.as_view(), name="team-accept"),
    path("teams/memberships/<int:pk>/decline/", teams.DeclineView.as_view(), name="team-decline"),
    path("teams/memberships/<int:pk>/remove/", teams.RemoveView.as_view(), name="team-remove"),
    # an administrator's places and their staff
    path("places/", people.PlaceListView.as_view(), name="places"),
    path("places/appoint/", people.AppointView.as_view(), name="appoint"),
    path("places/districts/new/", people.DistrictCreateView.as_view(), name="district-new"),
    path("places/communities/<int:pk>/", people.CommunityStaffView.as_view(), name="community"),
    path("places/communities/<int:pk>/appoint/", people.AppointView.as_view(), name="community-appoint"),
    path("places/communities/<int:pk>/kind/", people.CommunityKindView.as_view(), name="community-kind"),
    path("roles/<int:pk>/revoke/", people.RoleRevokeView.as_view(), name="role-revoke"),
]
