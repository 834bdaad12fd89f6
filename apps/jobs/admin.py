"""Admin for the scheduler: the job history and the lease row, read-only and for superusers only."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin
from apps.jobs.models import JobRun, SchedulerLease


class SuperuserReadOnlyAdmin(ReadOnlyAdmin):
    """Written by the scheduler alone; shown to superusers, whatever model permissions other staff hold."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(JobRun)
class JobRunAdmin(SuperuserReadOnlyAdmin):
    list_display = ["job", "started_at", "finished_at", "outcome", "items", "host", "pid"]
    list_filter = ["outcome", "job"]
    search_fields = ["job", "error"]
    date_hierarchy = "started_at"


@admin.register(SchedulerLease)
class SchedulerLeaseAdmin(SuperuserReadOnlyAdmin):
    list_display = ["name", "holder", "acquired_at", "heartbeat_at", "expires_at"]
