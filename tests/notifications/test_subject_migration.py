"""Migration 0003 reads the links stored before notifications kept their subject back into subjects."""

import importlib

import pytest

migration = importlib.import_module("apps.notifications.migrations.0003_notification_subject")

OLD_LINKS = [
    ("/api/v1/wishes/5/", ("wish", 5, {})),
    ("/api/v1/activities/7/", ("activity", 7, {})),
    ("/api/v1/registrations/9/", ("registration", 9, {})),
    ("/api/v1/registrations/", ("registration", None, {})),
    (
        "/api/v1/stats/zero-service/?level=party_org&id=3&start=2026-07-01&end=2026-09-30",
        ("zero_service", 3, {"start": "2026-07-01", "end": "2026-09-30"}),
    ),
    (
        "/admin/jobs/jobrun/?job__exact=wishes_expire&outcome__exact=failed",
        ("job_runs", None, {"job": "wishes_expire", "outcome": "failed"}),
    ),
    ("/admin/jobs/jobrun/?job__exact=stats_reconcile", ("job_runs", None, {"job": "stats_reconcile"})),
]


@pytest.mark.parametrize(("link", "subject"), OLD_LINKS, ids=[link for link, _ in OLD_LINKS])
def test_every_link_the_platform_stored_becomes_its_subject_and_back(link, subject):
    assert migration.subject_of(link) == subject
    assert migration.link_of(*subject) == link


@pytest.mark.parametrize("link", ["", "/api/v1/activities/", "/m/", "/api/v1/wishes/x/", "https://example.org/"])
def test_a_link_naming_no_object_keeps_no_subject(link):
    assert migration.subject_of(link) == ("", None, {})
