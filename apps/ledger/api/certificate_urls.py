"""Routes of the certificate API (explicit paths: the public check sits beside the scoped ones)."""

from django.urls import path

from apps.ledger.api import certificate_views as views

urlpatterns = [
    path("certificates/", views.CertificateListCreateView.as_view(), name="certificate-list"),
    path("certificates/<int:pk>/pdf/", views.CertificatePdfView.as_view(), name="certificate-pdf"),
    path("certificates/<int:pk>/revoke/", views.CertificateRevokeView.as_view(), name="certificate-revoke"),
    path("certificates/verify/<str:code>/", views.CertificateVerifyView.as_view(), name="certificate-verify"),
]
