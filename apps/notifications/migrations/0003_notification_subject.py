"""Notifications keep what they are about (subject type, id, parameters) instead of a URL: the links stored so far
(API paths and the admin's job-run list) are read back into subjects, then (0004) the column goes."""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from django.db import migrations, models

_BY_ID = {
    "wish": re.compile(r"^/api/v1/wishes/(?P<pk>[0-9]+)/$"),
    "activity": re.compile(r"^/api/v1/activities/(?P<pk>[0-9]+)/$"),
    "registration": re.compile(r"^/api/v1/registrations/(?:(?P<pk>[0-9]+)/)?$"),
}


def subject_of(link):
    """(type, id, params) of a stored link; ("", None, {}) for one that names nothing (e.g. the activity list)."""
    parts = urlsplit(link or "")
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    for kind, pattern in _BY_ID.items():
        if match := pattern.match(parts.path):
            return kind, int(match["pk"]) if match["pk"] else None, {}
    if parts.path == "/api/v1/stats/zero-service/" and query.get("id", "").isdigit():
        return "zero_service", int(query["id"]), {"start": query.get("start", ""), "end": query.get("end", "")}
    if parts.path == "/admin/jobs/jobrun/" and query.get("job__exact"):
        params = {"job": query["job__exact"]}
        if query.get("outcome__exact"):
            params["outcome"] = query["outcome__exact"]
        return "job_runs", None, params
    return "", None, {}


def link_of(subject_type, pk, params):
    if subject_type in ("wish", "activity"):
        return f"/api/v1/{'wishes' if subject_type == 'wish' else 'activities'}/{pk}/"
    if subject_type == "registration":
        return f"/api/v1/registrations/{pk}/" if pk else "/api/v1/registrations/"
    if subject_type == "zero_service":
        return "/api/v1/stats/zero-service/?" + urlencode({"level": "party_org", "id": pk, **params})
    if subject_type == "job_runs":
        query = {"job__exact": params.get("job", "")}
        if params.get("outcome"):
            query["outcome__exact"] = params["outcome"]
        return "/admin/jobs/jobrun/?" + urlencode(query)
    return ""


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    changed = []
    for notification in Notification.objects.exclude(link="").only("pk", "link").iterator(chunk_size=2000):
        subject_type, pk, params = subject_of(notification.link)
        if subject_type:
            notification.subject_type, notification.subject_id, notification.subject_params = subject_type, pk, params
            changed.append(notification)
        if len(changed) >= 2000:
            Notification.objects.bulk_update(changed, ["subject_type", "subject_id", "subject_params"])
            changed = []
    Notification.objects.bulk_update(changed, ["subject_type", "subject_id", "subject_params"])


def backwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    changed = []
    for notification in Notification.objects.exclude(subject_type="").iterator(chunk_size=2000):
        notification.link = link_of(notification.subject_type, notification.subject_id, notification.subject_params)
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["link"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_text_maxima"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="subject id"),
        ),
        migrations.AddField(
            model_name="notification",
            name="subject_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="subject parameters"),
        ),
        migrations.AddField(
            model_name="notification",
            name="subject_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("wish", "Micro-wish"),
                    ("activity", "Activity"),
                    ("registration", "Registration"),
                    ("zero_service", "Zero-service members"),
                    ("job_runs", "Job runs"),
                ],
                max_length=20,
                verbose_name="subject type",
            ),
        ),
        # The column goes in 0004: its own transaction, after these rows are written.
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
