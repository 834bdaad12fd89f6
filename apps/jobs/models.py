"""The job history (one row per run of a scheduled job) and the lease row that elects the scheduler on SQLite."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class JobRun(models.Model):
    """One run of a job of apps.jobs.registry: when, where, how it ended and how many objects it touched.

    Written by apps.jobs.runner only; append-only history (the admin shows it read-only).
    """

    job = models.CharField(_("job"), max_length=50)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=JobOutcome.choices, default=JobOutcome.RUNNING)
    items = models.PositiveIntegerField(_("items"), default=0, help_text=_("How many objects the run touched."))
    error = models.TextField(_("error"), blank=True)
    host = models.CharField(_("host"), max_length=100, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["job", "started_at"]),
            models.Index(fields=["outcome", "started_at"]),
        ]

    def __str__(self):
        return f"{self.job} @ {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_ms(self):
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


class SchedulerLease(models.Model):
    """The lock row electing the one active scheduler on SQLite (PostgreSQL uses an advisory lock instead).

    `holder` ("host:pid:random") owns the lease until `expires_at`; the holder pushes `expires_at` forward with a
    heartbeat, and anyone may take the row over once it has expired.
    """

    name = models.CharField(_("name"), max_length=50, unique=True)
    holder = models.CharField(_("holder"), max_length=200, blank=True)
    acquired_at = models.DateTimeField(_("acquired at"))
    heartbeat_at = models.DateTimeField(_("last heartbeat"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("scheduler lease")
        verbose_name_plural = _("scheduler leases")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}: {self.holder or '—'}"
