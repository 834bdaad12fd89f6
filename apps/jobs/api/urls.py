"""API routes of the scheduler: /api/v1/jobs/ and /api/v1/job-runs/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.jobs.api import views

router = SimpleRouter()
router.register("job-runs", views.JobRunViewSet, basename="job-run")

urlpatterns = [path("jobs/", views.JobListView.as_view(), name="job-list"), *router.urls]
