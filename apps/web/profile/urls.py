"""A member's own standing: registration with a community, hours, points, star level, certificates, posts."""

from django.urls import path

from apps.web.profile import views

app_name = "profile"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("registration/", views.RegistrationView.as_view(), name="registration"),
    path("registration/<int:pk>/withdraw/", views.RegistrationWithdrawView.as_view(), name="registration-withdraw"),
    path(
        "registration/<int:pk>/certificate/",
        views.RegistrationCertificateView.as_view(),
        name="registration-certificate",
    ),
    path("hours/", views.HoursView.as_view(), name="hours"),
    path("hours/register/", views.SelfServiceRegisterView.as_view(), name="hours-register"),
    path("hours/signups/<int:pk>/dispute/", views.HoursDisputeView.as_view(), name="hours-dispute"),
    path("certificate/", views.CertificatesView.as_view(), name="certificates"),
    path("certificate/<int:pk>/pdf/", views.CertificatePdfView.as_view(), name="certificate-pdf"),
    path("posts/", views.PostsView.as_view(), name="posts"),
    path("posts/<int:pk>/claim/", views.PostClaimView.as_view(), name="post-claim"),
    path("posts/<int:pk>/release/", views.PostReleaseView.as_view(), name="post-release"),
]
