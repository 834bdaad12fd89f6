"""Public pages: open to anyone, signed in or not (what a scanned certificate QR code opens)."""

from django.urls import path

from apps.web.public import views

app_name = "public"

urlpatterns = [
    path("<str:code>/", views.CertificateCheckView.as_view(), name="certificate"),
]
