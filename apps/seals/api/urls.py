"""API route of the seals: /api/v1/ledger/seal/."""

from django.urls import path

from apps.seals.api import views

urlpatterns = [path("ledger/seal/", views.LedgerSealView.as_view(), name="ledger-seal")]
