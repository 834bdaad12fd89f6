"""Output serializers of the scheduler's endpoints (both read-only)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.jobs.models import JobRun


class JobRunOutputSerializer(serializers.ModelSerializer):
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("Null while running."))

    class Meta:
        model = JobRun
        fields = ["id", "job", "started_at", "finished_at", "outcome", "items", "error", "host", "pid", "duration_ms"]
        read_only_fields = fields


class JobOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=["interval", "cron"], help_text=_("The kind of APScheduler trigger."))
    schedule = serializers.CharField(help_text=_("The trigger in APScheduler's notation."))
    misfire_grace_time = serializers.IntegerField(
        allow_null=True, help_text=_("Seconds a run may start late; null: however late.")
    )
    next_run_at = serializers.DateTimeField(allow_null=True)
    last_run = JobRunOutputSerializer(allow_null=True)
