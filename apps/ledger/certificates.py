"""Volunteer service certificates (志愿服务证明): who may issue, revoke and see them, issuing, revoking, the public
check, the PDF."""

import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.scope import scope_for
from apps.core.errors import Conflict, Forbidden, Invalid, NotFound
from apps.core.figures import hours_of
from apps.core.masking import mask_id_number
from apps.core.text import clean_text
from apps.ledger import errors
from apps.ledger.models import Certificate, RecordStatus, ServiceRecord
from apps.ledger.selectors import day_bounds, period_q, register_audit_scope
from apps.ledger.services import audit_log
from apps.seals.printed import fitted_lines, printed_seal
from apps.stats import glossary

NO_APPROVED_SERVICE = _("There is no approved service in this period.")
CERTIFICATE_NOT_ALLOWED = _("Only the member, a reviewer of the member's organ or an administrator can issue this.")
CERTIFICATE_NOT_FOUND = _("No certificate has this verification code.")
MEMBER_NOT_FOUND = _("Member not found.")
CERTIFICATE_REVOKE_NOT_ALLOWED = _(
    "Only a reviewer of the member's organ or an administrator can revoke this certificate."
)
CERTIFICATE_ALREADY_REVOKED = _("This certificate has already been revoked.")

NUMBER_PREFIX = "ZYFW"
_CODE_ATTEMPTS = 5
_CONTACT_MAX = Certificate._meta.get_field("issuer_contact").max_length
_ISSUER_MAX = Certificate._meta.get_field("issuer_name").max_length
_CODE_MAX = Certificate._meta.get_field("verification_code").max_length
REVOCATION_REASON_MAX = Certificate._meta.get_field("revocation_reason").max_length


# --- who may see what -------------------------------------------------------------------------------------------


def certificate_visible_q(user):
    """The member's own certificates and, for organ reviewers, those of their organs' members; all for superusers."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    q = Q(member__organ__in=scope.organ_ids) if scope.organ_ids else Q(pk__in=[])
    if scope.member_id is not None:
        q |= Q(member_id=scope.member_id)
    return q


def _may_issue(actor, member):
    scope = scope_for(actor)
    return scope.is_superuser or scope.member_id == member.pk or scope.covers_organ(member.organ_id)


def may_revoke(actor, certificate):
    """A certificate is the organ's statement about its member: a reviewer of the member's organ or a superuser may
    withdraw it. The holder may issue themself a certificate (the ledger is the evidence) but not withdraw one: a
    revocation corrects the organ's word, and a verifier must be able to rely on it."""
    return scope_for(actor).covers_organ(certificate.member.organ_id)


register_audit_scope("ledger.certificate", lambda user: Certificate.objects.filter(certificate_visible_q(user)))


# --- reads ------------------------------------------------------------------------------------------------------


def certificate_list(*, user):
    return Certificate.objects.filter(certificate_visible_q(user)).select_related("member__user", "member__organ")


def certificate_get(*, user, pk):
    """One certificate the user may see, or None."""
    return certificate_list(user=user).filter(pk=pk).first()


def certificate_revocable_list(*, user):
    """The certificates the user may revoke (those of their organs' members; all for superusers), newest first,
    for the issuers' page. A reviewer's own certificate as a member is listed only if they cover their organ."""
    scope = scope_for(user)
    queryset = Certificate.objects.select_related("member__user", "member__organ", "member__branch", "revoked_by")
    if scope.is_superuser:
        return queryset
    return queryset.filter(member__organ__in=scope.organ_ids) if scope.organ_ids else queryset.none()


def certificate_get_by_code(*, code):
    """The certificate with this verification code; anyone may check one, so this is not scoped."""
    code = str(code or "")
    certificate = None
    if 0 < len(code) <= _CODE_MAX:
        certificate = Certificate.objects.select_related("member__user").filter(verification_code=code).first()
    if certificate is None:
        raise NotFound("certificate_not_found", CERTIFICATE_NOT_FOUND)
    return certificate


def certificate_member_for(*, user, member_id):
    """The member a user names when issuing for someone: themself, or a member of their organization (the service
    then decides whether they may issue); anyone else reads as not found."""
    from apps.orgs.models import Member

    scope = scope_for(user)
    visible = scope.org_q(organ="organ", branch="branch")
    if scope.member_id is not None:
        visible |= Q(pk=scope.member_id)
    member = Member.objects.filter(visible, pk=member_id).select_related("user", "organ").first()
    if member is None:
        raise NotFound("member_not_found", MEMBER_NOT_FOUND)
    return member


def _amendments_until(as_of):
    rows = (
        ServiceRecord.objects.filter(amends=OuterRef("pk"), status=RecordStatus.APPROVED, decided_at__lte=as_of)
        .order_by()
        .values("amends")
        .annotate(total=Sum("credited_minutes"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def certificate_records(*, member, period_start, period_end, as_of):
    """The member's approved services in the local days [period_start, period_end] as they stood at `as_of`, with
    `effective_minutes` (approved amendments included), oldest first. A record that came to 0 minutes is no service
    (docs/statistics.md, "Zero minutes"): it is neither listed nor counted.

    Reading "as of" the issue time keeps a certificate's PDF equal to its snapshot even after later corrections
    (approvals and amendments are append-only and carry their decision time).
    """
    start, end = day_bounds(period_start, period_end)
    return (
        ServiceRecord.objects.filter(
            period_q(start, end),
            member=member,
            amends__isnull=True,
            status=RecordStatus.APPROVED,
            decided_at__lte=as_of,
        )
        .select_related("community")
        .annotate(effective_minutes=F("credited_minutes") + _amendments_until(as_of))
        .filter(effective_minutes__gt=0)
        .order_by("started_at", "id")
    )


# --- issuing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    name: str
    contact: str


def _issuer_for(member, records):
    """The community where most of the minutes were served (ties: the earliest served there), else the organ."""
    minutes_by_community = {}
    communities = {}
    for record in records:
        communities.setdefault(record.community_id, record.community)
        minutes_by_community[record.community_id] = (
            minutes_by_community.get(record.community_id, 0) + record.effective_minutes
        )
    # dicts keep insertion order and records come oldest first, so max() breaks ties by the earliest service.
    best = max(minutes_by_community, key=minutes_by_community.get, default=None)
    place = communities[best] if best is not None and minutes_by_community[best] > 0 else member.organ
    contact = getattr(settings, "CERTIFICATE_ISSUER_CONTACT", "") or "  ".join(
        part for part in (place.contact_phone, place.address) if part
    )
    return Issuer(name=place.name[:_ISSUER_MAX], contact=contact[:_CONTACT_MAX])


def _new_verification_code():
    for _attempt in range(_CODE_ATTEMPTS):
        code = secrets.token_urlsafe(9)
        if not Certificate.objects.filter(verification_code=code).exists():
            return code
    raise RuntimeError("could not draw an unused verification code")  # 72 random bits: practically unreachable


def certificate_number(certificate):
    """ZYFW-<year of issue>-<id, six digits>: unique because the id is, readable over the phone."""
    year = timezone.localtime(certificate.issued_at).year
    return f"{NUMBER_PREFIX}-{year}-{certificate.pk:06d}"


@transaction.atomic
def certificate_issue(*, member, actor, period_start, period_end):
    """Issue a certificate of the member's approved service in the local days [period_start, period_end].

    The member, a reviewer of the member's organ or a superuser may issue it. The total minutes (approved
    amendments included) and the number of services are a snapshot of the ledger at issue time.
    """
    if not _may_issue(actor, member):
        raise Forbidden("certificate_not_allowed", CERTIFICATE_NOT_ALLOWED)
    issued_at = timezone.now()
    records = list(
        certificate_records(member=member, period_start=period_start, period_end=period_end, as_of=issued_at)
    )
    if not records:
        raise Invalid("no_approved_service", NO_APPROVED_SERVICE)
    issuer = _issuer_for(member, records)
    certificate = Certificate.objects.create(
        # A placeholder until the id is known; unique like the code it borrows.
        number=f"new-{secrets.token_hex(8)}",
        verification_code=_new_verification_code(),
        member=member,
        period_start=period_start,
        period_end=period_end,
        issued_at=issued_at,
        issued_by=actor,
        issuer_name=issuer.name,
        issuer_contact=issuer.contact,
        total_minutes=max(sum(record.effective_minutes for record in records), 0),
        record_count=len(records),
    )
    certificate.number = certificate_number(certificate)
    certificate.save(update_fields=["number", "updated_at"])
    audit_log(
        actor=actor,
        subject=certificate,
        action="issue",
        after={
            "number": certificate.number,
            "member": member.pk,
            "period_start": period_start,
            "period_end": period_end,
            "total_minutes": certificate.total_minutes,
            "record_count": certificate.record_count,
        },
    )
    return certificate


# --- revoking ---------------------------------------------------------------------------------------------------


def _revocation_reason(reason):
    message = errors.REASON_TOO_LONG_MAX % {"max": REVOCATION_REASON_MAX}
    reason = clean_text(
        reason, max_length=REVOCATION_REASON_MAX, field="reason", code="reason_too_long", message=message
    )
    if not reason:
        raise errors.reason_required()
    return reason


@transaction.atomic
def certificate_revoke(*, certificate, actor, reason):
    """Withdraw an issued certificate, with a reason (required; anyone checking the certificate reads it).

    The row and its figures stay; the public check and the PDF then say it is revoked, when and why. A reviewer of
    the member's organ or a superuser may revoke (403 certificate_revoke_not_allowed); a second revocation is
    refused (409 certificate_already_revoked), also when two arrive at once (a conditional update decides).
    """
    if not may_revoke(actor, certificate):
        raise Forbidden("certificate_revoke_not_allowed", CERTIFICATE_REVOKE_NOT_ALLOWED)
    reason = _revocation_reason(reason)
    now = timezone.now()
    won = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revocation_reason=reason, updated_at=now
    )
    if not won:
        raise Conflict("certificate_already_revoked", CERTIFICATE_ALREADY_REVOKED)
    certificate.refresh_from_db(fields=["revoked_at", "revoked_by", "revocation_reason", "updated_at"])
    audit_log(
        actor=actor,
        subject=certificate,
        action="revoke",
        before={"revoked_at": None, "revoked_by": None, "revocation_reason": ""},
        after={"revoked_at": now, "revoked_by": actor.pk, "revocation_reason": reason},
        reason=reason,
    )
    return certificate


# --- presentation -----------------------------------------------------------------------------------------------


def hours_text(minutes):
    """Hours to one decimal, as printed and shown: 90 -> "1.5" (apps.core.figures: rounded half up)."""
    return str(hours_of(minutes))


def certificate_base_url(request=None):
    """The public address certificates point at: CERTIFICATE_VERIFY_BASE_URL, else SITE_URL, else the address the
    request came to (development); "" without any of them."""
    configured = getattr(settings, "CERTIFICATE_VERIFY_BASE_URL", "") or getattr(settings, "SITE_URL", "")
    if configured:
        return configured
    return request.build_absolute_uri("/") if request is not None else ""


def certificate_verify_url(certificate, *, base_url):
    """The public check page (no sign-in, plain Chinese, for phones): what the QR code and the printed address open."""
    path = reverse("public:certificate", kwargs={"code": certificate.verification_code})
    return base_url.rstrip("/") + path


def certificate_verify_api_url(certificate, *, base_url):
    """The same check as JSON, for integrators (GET /api/v1/certificates/verify/<code>/)."""
    path = reverse("certificate-verify", kwargs={"code": certificate.verification_code})
    return base_url.rstrip("/") + path


def certificate_pdf(certificate, *, base_url):
    """The certificate as an A4 PDF (bytes): Chinese text in reportlab's built-in CID font STSong-Light (no font
    file needed), the record list as a table that repeats its header on every page, a QR code of the public
    verification URL, and at the foot of every page the latest seal of the ledger when the PDF is made (the records
    and the certificate's issue are in the ledger it seals). Labels follow the active language."""
    records = list(
        certificate_records(
            member=certificate.member,
            period_start=certificate.period_start,
            period_end=certificate.period_end,
            as_of=certificate.issued_at,
        )
    )
    seal = printed_seal()  # once the records are read
    buffer = io.BytesIO()
    _render(buffer, certificate, records, certificate_verify_url(certificate, base_url=base_url), seal)
    return buffer.getvalue()


_FONT = "STSong-Light"
_REVOKED_RED = "#b0141f"


def revoked_notice(certificate):
    """One plain sentence: revoked, on which day, why (the PDF prints it; the pages say the same in their layout)."""
    return _("This certificate was revoked on %(date)s. Reason: %(reason)s") % {
        "date": f"{timezone.localtime(certificate.revoked_at):%Y-%m-%d}",
        "reason": certificate.revocation_reason,
    }


def _render(buffer, certificate, records, verify_url, seal):
    # reportlab is imported here so that only the code drawing a PDF pays for it.
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import KeepTogether

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    # CJK text has no spaces: wordWrap="CJK" lets lines break between any two characters.
    body = ParagraphStyle("body", fontName=_FONT, fontSize=11, leading=17, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", parent=body, fontSize=9.5, leading=13)
    title = ParagraphStyle("title", parent=body, fontSize=24, leading=32, alignment=TA_CENTER, spaceAfter=6 * mm)
    heading = ParagraphStyle("heading", parent=body, fontSize=13, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm)

    member = certificate.member
    local_issued = timezone.localtime(certificate.issued_at)
    number_line = _("Certificate number: %(number)s") % {"number": certificate.number}

    def para(text, style=body):
        return Paragraph(_escape(text), style)

    def field_rows(rows):
        table = Table(
            [[para(label), para(value)] for label, value in rows], colWidths=[48 * mm, 122 * mm], hAlign="LEFT"
        )
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return table

    story = [para(_("Volunteer Service Certificate"), title)]
    if certificate.is_revoked:
        # A revoked certificate still downloads (the holder and the organ keep what was issued and why it was
        # withdrawn), marked on every page so that no new copy can pass for a valid one.
        revoked = ParagraphStyle(
            "revoked", parent=body, fontSize=13, leading=19, textColor=colors.HexColor(_REVOKED_RED), spaceAfter=3 * mm
        )
        mark = ParagraphStyle("revoked-mark", parent=revoked, fontSize=20, leading=26, spaceAfter=1 * mm)
        story += [para(_("Revoked"), mark), para(revoked_notice(certificate), revoked)]
    story += [
        para(
            _("This is to certify that the volunteer named below performed the following approved volunteer service.")
        ),
        para(_("Volunteer"), heading),
        field_rows(
            [
                (_("Name"), member.user.name),
                (_("ID card number"), mask_id_number(member.id_number)),
                (_("Organ"), member.organ.name),
            ]
        ),
        para(_("Service"), heading),
        field_rows(
            [
                (_("Period"), f"{certificate.period_start:%Y-%m-%d} — {certificate.period_end:%Y-%m-%d}"),
                (_("Total hours"), hours_text(certificate.total_minutes)),
                (glossary.label("services"), str(certificate.record_count)),
            ]
        ),
        Spacer(1, 3 * mm),
    ]
    header = [para(_("Date"), cell), para(_("Community"), cell), para(_("Service content"), cell)]
    header.append(para(_("Hours"), cell))
    rows = [header]
    for record in records:
        rows.append(
            [
                para(f"{timezone.localtime(record.started_at):%Y-%m-%d}", cell),
                para(record.community.name, cell),
                para(record.content, cell),
                para(hours_text(record.effective_minutes), cell),
            ]
        )
    records_table = Table(rows, colWidths=[26 * mm, 44 * mm, 82 * mm, 18 * mm], repeatRows=1, hAlign="LEFT")
    records_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f8f8f8")]),
            ]
        )
    )
    story.append(records_table)

    qr = QrCodeWidget(verify_url)
    left, bottom, right, top = qr.getBounds()
    size = 32 * mm
    qr_drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    qr_drawing.add(qr)
    issuer_block = [
        para(_("Issuer"), heading),
        field_rows(
            [
                (_("Issued by"), certificate.issuer_name),
                (_("Contact"), certificate.issuer_contact or "—"),
                (_("Certificate number"), certificate.number),
                (_("Date of issue"), f"{local_issued:%Y-%m-%d}"),
                (_("Verification code"), certificate.verification_code),
            ]
        ),
    ]
    check = Table(
        [
            [
                qr_drawing,
                [
                    para(_("Scan the code or open this address to check the certificate:"), small),
                    para(verify_url, small),
                ],
            ]
        ],
        colWidths=[36 * mm, 134 * mm],
        hAlign="LEFT",
    )
    check.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    # The issuer, number and QR code stay together so they are never split from one another across pages.
    story.append(KeepTogether([*issuer_block, Spacer(1, 3 * mm), check]))

    # Above the number and the page, the seal and what it is for: one line each where the page allows it (the seal's
    # number:digest is never cut, only moved to a line of its own).
    seal_size, seal_leading = 7, 9
    seal_lines = []
    for text in seal.lines:
        seal_lines += fitted_lines(
            text, width=A4[0] - 40 * mm, string_width=lambda t: pdfmetrics.stringWidth(t, _FONT, seal_size)
        )

    def footer(canvas, doc):
        if certificate.is_revoked:
            canvas.saveState()
            canvas.setFillColor(colors.HexColor(_REVOKED_RED), alpha=0.18)
            canvas.setFont(_FONT, 96)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -30, str(_("Revoked")))
            canvas.restoreState()
        canvas.saveState()
        canvas.setFont(_FONT, 8)
        page = _("Page %(page)d") % {"page": doc.page}
        canvas.drawString(20 * mm, 12 * mm, str(number_line))
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, str(page))
        canvas.setFont(_FONT, seal_size)
        canvas.setFillColor(colors.HexColor("#444444"))
        for index, line in enumerate(reversed(seal_lines)):
            canvas.drawString(20 * mm, 12 * mm + 10 + index * seal_leading, line)
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm + len(seal_lines) * seal_leading,
        title=str(_("Volunteer Service Certificate")),
        subject=certificate.number,
        author=certificate.issuer_name,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)


def _escape(text):
    """Paragraph text is mini-markup: names and contents typed by people must not be read as tags."""
    from xml.sax.saxutils import escape

    return escape(str(text))
