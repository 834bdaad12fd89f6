"""Public pages: open to anyone, signed in or not (what a scanned certificate's or registration's QR code opens)."""

from django.urls import path

from apps.web.public import views

app_name = "public"

urlpatterns = [
    path("<str:code>/", views.CertificateCheckView.as_view(), name="certificate"),
    # What a printed registration certificate's (报到证, 回执) QR code opens.
    path("registration/<str:code>/", views.RegistrationCheckView.as_view(), name="registration"),
]
