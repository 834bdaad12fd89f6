"""The check of a certificate's records against their seals (apps.seals.verify.certificate_check), as the public
certificate page and its API use it: verified, not sealed yet, or altered (changed, inserted, deleted, or the
certificate's own figures rewritten), counted the way the full verification would find them."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.ledger import services as ledger_services
from apps.ledger.certificates import certificate_issue
from apps.seals.services import ledger_check_record, ledger_seal
from apps.seals.verify import ALTERED, NOT_SEALED, VERIFIED, certificate_check, ledger_verify
from tests.seals.conftest import sql

pytestmark = pytest.mark.django_db

MAY = (date(2026, 5, 1), date(2026, 5, 31))


def issue(world):
    return certificate_issue(member=world.member, actor=world.member.user, period_start=MAY[0], period_end=MAY[1])


@pytest.fixture
def certificate(ledger, world):
    """A certificate of the ledger's three approved services (360 minutes), issued after they were sealed."""
    ledger_seal()
    certificate = issue(world)
    assert (certificate.record_count, certificate.total_minutes) == (3, 360)
    return certificate


def test_sealed_and_unchanged_records_verify(certificate):
    check = certificate_check(certificate)
    assert check.status == VERIFIED
    assert (check.records, check.sealed, check.not_sealed, check.altered, check.missing) == (3, 3, 0, 0, 0)
    assert check.figures_match and check.sealed_by is None


def test_records_approved_moments_ago_are_not_sealed_yet_and_say_by_when(ledger, world):
    certificate = issue(world)  # nothing sealed yet
    now = timezone.now()
    check = certificate_check(certificate, now=now)
    assert check.status == NOT_SEALED
    assert (check.sealed, check.not_sealed, check.altered) == (0, 3, 0)
    assert now < check.sealed_by <= now + timedelta(minutes=2)

    ledger_seal()
    assert certificate_check(certificate).status == VERIFIED


def test_a_record_changed_after_sealing_is_counted_and_not_named(certificate, ledger):
    sql("UPDATE ledger_servicerecord SET credited_minutes = 600 WHERE id = %s", [ledger.approved[1].pk])
    check = certificate_check(certificate)
    assert check.status == ALTERED
    assert (check.sealed, check.altered, check.missing) == (2, 1, 0)
    assert not check.figures_match  # 840 minutes now, the certificate says 360


def test_a_deleted_record_is_missing(certificate, ledger):
    sql("DELETE FROM ledger_servicerecord WHERE id = %s", [ledger.approved[0].pk])
    check = certificate_check(certificate)
    assert check.status == ALTERED
    assert (check.records, check.sealed, check.missing) == (2, 2, 1)


def test_a_record_moved_out_of_the_certificate_is_missing(certificate, ledger, world):
    sql("UPDATE ledger_servicerecord SET member_id = %s WHERE id = %s", [world.other_member.pk, ledger.approved[0].pk])
    check = certificate_check(certificate)
    assert check.status == ALTERED and check.missing == 1


def test_a_certificate_whose_figures_were_rewritten_does_not_verify(certificate):
    sql("UPDATE ledger_certificate SET total_minutes = 3600 WHERE id = %s", [certificate.pk])
    certificate.refresh_from_db()
    check = certificate_check(certificate)
    assert check.status == ALTERED
    assert (check.altered, check.missing, check.figures_match) == (0, 0, False)


def test_an_unsealed_record_older_than_the_horizon_counts_as_inserted(ledger, world):
    # A seal whose horizon lies ahead of the record about to be approved: an unsealed record decided before it is
    # one the sealer would have taken, so it was put there behind the ledger's back.
    ledger_seal(now=timezone.now() + timedelta(hours=3))
    ledger_services.record_approve(record=ledger.pending, actor=world.staff)
    certificate = issue(world)
    check = certificate_check(certificate)
    assert check.status == ALTERED
    assert (check.records, check.sealed, check.altered) == (4, 3, 1)
    assert ("record", str(ledger.pending.pk), "inserted") in {
        (p.subject, p.ident, p.issue) for p in ledger_verify().problems
    }


def test_the_amendments_a_certificate_counts_are_checked_too(ledger, world):
    amendment = ledger_services.record_amend(
        record=ledger.approved[0], actor=world.staff, credited_minutes=60, residents_served=1, reason="时长登记有误"
    )
    ledger_seal()
    certificate = issue(world)
    assert certificate.total_minutes == 300
    assert certificate_check(certificate).records == 4

    sql("UPDATE ledger_servicerecord SET credited_minutes = 0 WHERE id = %s", [amendment.pk])
    check = certificate_check(certificate)
    assert (check.status, check.altered, check.figures_match) == (ALTERED, 1, False)


def test_later_records_and_amendments_do_not_change_the_check(certificate, ledger, world):
    ledger_services.record_approve(record=ledger.pending, actor=world.staff)
    ledger_services.record_amend(
        record=ledger.approved[2], actor=world.staff, credited_minutes=30, residents_served=1, reason="时长登记有误"
    )
    ledger_seal()
    assert certificate_check(certificate).status == VERIFIED


def test_the_latest_full_verification_comes_with_the_check(certificate):
    assert certificate_check(certificate).ledger_check is None
    started = timezone.now()
    kept = ledger_check_record(report=ledger_verify(), started_at=started)
    assert certificate_check(certificate).ledger_check == kept


def test_the_check_is_a_handful_of_queries_whatever_the_number_of_records(
    certificate, ledger, world, django_assert_max_num_queries
):
    for day in range(5, 22):  # up to 31 May
        ledger.record(day, status="approved")
    ledger_seal()
    certificate = issue(world)
    with django_assert_max_num_queries(5):
        check = certificate_check(certificate)
    assert check.status == VERIFIED and check.records == 20
