"""certificate_issue and certificate_pdf: who may issue, empty and reversed periods, snapshots, issuer, the PDF."""

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.test import override_settings

from apps.core.errors import Forbidden, Invalid
from apps.ledger import services
from apps.ledger.certificates import certificate_issue, certificate_pdf
from apps.ledger.models import AuditEntry, Certificate, RecordStatus
from tests.certificates.conftest import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db


def issue(world, *, actor=None, member=None, start=FIRST_DAY, end=LAST_DAY):
    member = member or world.member
    return certificate_issue(member=member, actor=actor or member.user, period_start=start, period_end=end)


def test_member_issues_own_certificate_with_snapshot_number_and_audit(world, serve):
    serve(minutes=90)
    serve(day=FIRST_DAY + timedelta(days=3), minutes=45)

    certificate = issue(world)

    assert certificate.total_minutes == 135
    assert certificate.record_count == 2
    assert re.fullmatch(rf"ZYFW-\d{{4}}-{certificate.pk:06d}", certificate.number)
    assert len(certificate.verification_code) == 12
    assert certificate.issued_by == world.member.user
    entry = AuditEntry.objects.get(subject_type="ledger.certificate", subject_id=certificate.pk)
    assert entry.action == "issue"
    assert entry.after["number"] == certificate.number


def test_two_certificates_get_different_numbers_and_codes(world, serve):
    serve()
    first, second = issue(world), issue(world)
    assert first.number != second.number
    assert first.verification_code != second.verification_code


def test_period_is_whole_local_days_inclusive(world, serve):
    serve(day=FIRST_DAY, hour=0, minutes=30)  # 00:00 local on the first day: inside
    serve(day=LAST_DAY, hour=23, minutes=20)  # 23:00 local on the last day: inside
    serve(day=LAST_DAY + timedelta(days=1), hour=0, minutes=60)  # the next day: outside
    serve(day=FIRST_DAY - timedelta(days=1), hour=23, minutes=60)  # the day before: outside

    certificate = issue(world)

    assert (certificate.record_count, certificate.total_minutes) == (2, 50)


def test_pending_rejected_and_other_members_services_do_not_count(world, serve):
    serve(minutes=60)
    serve(member=world.other_member, grid=world.other_grid, minutes=200)
    serve(minutes=10, status=RecordStatus.PENDING)
    rejected = serve(minutes=20, status=RecordStatus.PENDING)
    services.record_reject(record=rejected, actor=world.staff, reason="未到岗")

    certificate = issue(world)

    assert (certificate.record_count, certificate.total_minutes) == (1, 60)


def test_empty_period_is_refused_as_no_approved_service(world, serve):
    serve(day=date(2025, 5, 1))
    with pytest.raises(Invalid) as caught:
        issue(world)
    assert caught.value.code == "no_approved_service"
    assert not Certificate.objects.exists()


def test_reversed_period_is_refused_as_period_invalid(world, serve):
    serve()
    with pytest.raises(Invalid) as caught:
        issue(world, start=LAST_DAY, end=FIRST_DAY)
    assert caught.value.code == "period_invalid"


def test_approved_amendments_are_reflected_in_the_totals(world, serve):
    record = serve(minutes=90)
    serve(day=FIRST_DAY + timedelta(days=1), minutes=30)
    services.record_amend(record=record, actor=world.staff, credited_minutes=150, residents_served=0, reason="补录")

    certificate = issue(world)

    assert certificate.total_minutes == 180
    assert certificate.record_count == 2  # a correction is not another service


@pytest.mark.parametrize("role", ["reviewer", "superuser"])
def test_reviewer_of_the_organ_and_superuser_may_issue_for_a_member(world, serve, role):
    serve()
    certificate = issue(world, actor=world.user(role))
    assert certificate.member == world.member
    assert certificate.issued_by == world.user(role)


@pytest.mark.parametrize("role", ["other_member", "staff", "secretary", "street_admin", "outsider"])
def test_others_may_not_issue_for_a_member(world, serve, role):
    serve()
    with pytest.raises(Forbidden) as caught:
        issue(world, actor=world.user(role))
    assert caught.value.code == "certificate_not_allowed"


def test_other_organs_reviewer_may_not_issue(world, serve, other_reviewer):
    serve()
    with pytest.raises(Forbidden):
        issue(world, actor=other_reviewer)


def test_issuer_is_the_community_with_most_minutes(world, serve):
    world.other_community.contact_phone = "0571-88880000"
    world.other_community.address = "幸福路1号"
    world.other_community.save()
    serve(minutes=60)
    serve(day=FIRST_DAY + timedelta(days=1), minutes=60)
    serve(grid=world.other_grid, day=FIRST_DAY + timedelta(days=2), minutes=180)

    certificate = issue(world)

    assert certificate.issuer_name == world.other_community.name
    assert "0571-88880000" in certificate.issuer_contact
    assert "幸福路1号" in certificate.issuer_contact


def test_issuer_contact_setting_takes_precedence(world, serve):
    world.community.contact_phone = "0571-11112222"
    world.community.save()
    serve()
    with override_settings(CERTIFICATE_ISSUER_CONTACT="区志愿服务中心 0571-12345678"):
        certificate = issue(world)
    assert certificate.issuer_contact == "区志愿服务中心 0571-12345678"


def test_a_service_that_came_to_zero_minutes_is_neither_counted_nor_listed(world, serve):
    # docs/statistics.md, "Zero minutes": a record amended to 0 minutes is no service.
    zero = serve(minutes=60)
    services.record_amend(record=zero, actor=world.staff, credited_minutes=0, residents_served=0, reason="未到岗")
    serve(day=FIRST_DAY + timedelta(days=2), minutes=45, content="关爱帮扶独居老人")
    certificate = issue(world)
    assert (certificate.record_count, certificate.total_minutes) == (1, 45)


def test_services_that_all_came_to_zero_minutes_give_no_certificate(world, serve):
    record = serve(minutes=60)
    services.record_amend(record=record, actor=world.staff, credited_minutes=0, residents_served=0, reason="未到岗")
    with pytest.raises(Invalid) as caught:
        issue(world)
    assert caught.value.code == "no_approved_service"


def _pdf_text(content, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_pdf_carries_number_code_masked_id_records_and_verify_url(world, serve, tmp_path):
    type(world.member).objects.filter(pk=world.member.pk).update(id_number="330102199001011234")
    world.member.refresh_from_db()
    serve(content="关爱帮扶独居老人")
    certificate = issue(world)

    content = certificate_pdf(certificate, base_url="https://example.org/")

    assert content.startswith(b"%PDF")
    text = _pdf_text(content, tmp_path)
    assert certificate.number in text
    assert certificate.verification_code in text
    assert f"https://example.org/verify/{certificate.verification_code}/" in text
    assert "3301**********1234" in text
    assert "330102199001011234" not in text
    assert world.member.user.name in text
    assert "关爱帮扶独居老人" in text


def test_pdf_lists_records_as_at_issue_time(world, serve, tmp_path):
    record = serve(minutes=60, content="第一次服务")
    certificate = issue(world)
    services.record_amend(record=record, actor=world.staff, credited_minutes=120, residents_served=0, reason="补录")
    serve(day=FIRST_DAY + timedelta(days=2), content="签发之后批准的服务")

    text = _pdf_text(certificate_pdf(certificate, base_url="https://example.org"), tmp_path)

    assert "第一次服务" in text
    assert "签发之后批准的服务" not in text
    assert "2.0" not in text  # the later correction does not change an issued certificate


def test_long_record_lists_run_over_several_pages(world, serve, tmp_path):
    for index in range(80):
        serve(day=FIRST_DAY + timedelta(days=index % 28), hour=index % 20, minutes=30, content=f"社区夜巡第{index}次")
    certificate = issue(world)

    text = _pdf_text(certificate_pdf(certificate, base_url="https://example.org"), tmp_path)

    pages = text.split("\f")
    assert len([page for page in pages if page.strip()]) >= 3
    assert all(f"社区夜巡第{index}次" in text for index in range(80))
    assert certificate.verification_code in pages[-2] + pages[-1]


def test_html_like_content_is_printed_literally(world, serve, tmp_path):
    serve(content="清理<b>楼道</b> & 张贴海报")
    certificate = issue(world)
    text = _pdf_text(certificate_pdf(certificate, base_url="https://example.org"), tmp_path)
    assert "清理<b>楼道</b> & 张贴海报" in text


def test_issue_audit_entry_is_visible_where_the_certificate_is(world, serve, other_reviewer):
    from apps.ledger.selectors import audit_list

    serve()
    certificate = issue(world)
    filters = {"subject_type": "ledger.certificate", "subject_id": certificate.pk}
    assert audit_list(user=world.reviewer, filters=filters).count() == 1
    assert audit_list(user=other_reviewer, filters=filters).count() == 0
