"""The residents' order pages (居民点单): what a community poster's QR code opens, for anyone, without an account."""

from django.urls import path

from apps.web.residents import views

app_name = "residents"

urlpatterns = [
    # First, so that the tracking links are never read as a community code "t".
    path("t/<str:token>/", views.TrackView.as_view(), name="track"),
    path("t/<str:token>/rate/", views.RateView.as_view(), name="rate"),
    path("<str:community>/", views.CodeView.as_view(), name="order"),
    path("<str:community>/submit/", views.SubmitView.as_view(), name="submit"),
]
