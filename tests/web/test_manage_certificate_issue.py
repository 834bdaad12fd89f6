"""The organ's reviewer issues a member's service certificate from the member's management page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.ledger.models import AuditEntry, Certificate, RecordStatus, ServiceCategory, ServiceSource
from apps.ledger.services import record_create

pytestmark = pytest.mark.django_db


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def served(world, member, minutes):
    start = timezone.now() - timedelta(hours=5)
    return record_create(
        member=member,
        community=world.community,
        grid=world.grid,
        source=ServiceSource.MANUAL,
        source_id=None,
        category=ServiceCategory.CARE_VISIT,
        content="社区环境整治",
        started_at=start,
        ended_at=start + timedelta(hours=3),
        credited_minutes=minutes,
        status=RecordStatus.APPROVED,
        decided_by=world.staff,
    )


def period(**overrides):
    today = timezone.localdate()
    return {"period_start": today.replace(month=1, day=1).isoformat(), "period_end": today.isoformat(), **overrides}


def test_a_reviewer_issues_a_members_certificate_for_a_period(world):
    served(world, world.member, 90)
    served(world, world.member, 60)
    client = browser_for(world.reviewer)
    page = client.get(reverse("manage:member-detail", args=[world.member.pk]))
    assert page.context["certificate_form"].initial["period_end"] == timezone.localdate()

    response = client.post(reverse("manage:member-certificate", args=[world.member.pk]), period())

    certificate = Certificate.objects.get(member=world.member)
    assert (certificate.total_minutes, certificate.record_count, certificate.issued_by) == (150, 2, world.reviewer)
    assert response.status_code == 302 and certificate.number in response["Location"]
    assert AuditEntry.objects.filter(
        subject_type="ledger.certificate", subject_id=certificate.pk, action="issue"
    ).exists()


def test_a_period_without_service_or_backwards_is_refused_with_its_message_and_issues_nothing(world):
    client = browser_for(world.reviewer)
    url = reverse("manage:member-certificate", args=[world.member.pk])
    empty = client.post(url, period(), follow=True)
    assert 'data-error-code="no_approved_service"' in empty.content.decode()
    served(world, world.member, 30)
    today = timezone.localdate()
    backwards = client.post(
        url, period(period_start=today.isoformat(), period_end=(today - timedelta(days=3)).isoformat()), follow=True
    )
    assert 'data-error-code="period_invalid"' in backwards.content.decode()
    missing = client.post(url, {}, follow=True)
    assert missing.status_code == 200
    assert not Certificate.objects.exists()


def test_another_organs_member_reads_as_missing_and_other_roles_are_refused(world):
    served(world, world.other_member, 30)
    url = reverse("manage:member-certificate", args=[world.other_member.pk])
    assert browser_for(world.reviewer).post(url, period()).status_code == 404
    assert (
        browser_for(world.secretary)
        .post(reverse("manage:member-certificate", args=[world.member.pk]), period())
        .status_code
        == 403
    )
    assert not Certificate.objects.exists()
