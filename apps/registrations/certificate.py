"""The printed registration certificate (报到证) and its receipt (回执): one A4 page that community staff print for a
confirmed registration, cut in two along the dashed line; the member keeps the upper half and hands the lower half
to their organ. Both halves carry a QR code (segno) of the public validity page, which says whether the
registration is still in force, and at their foot, under the community's signature, the latest seal of the ledger
with what it is for. Neither half shows the member's phone number or home address (docs/privacy.md).

The Chinese font is embedded (apps.core.pdf_fonts), so the paper prints the same on any computer.
"""

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import pdf_fonts
from apps.ledger.certificates import certificate_base_url
from apps.registrations.models import RegistrationStatus
from apps.registrations.selectors import registration_posts_held
from apps.seals.printed import fitted_lines, printed_seal

VALID = "valid"
ENDED = "ended"


# --- facts ------------------------------------------------------------------------------------------------------


def place_of(community):
    """The community with its street and district, smallest first: "桂苑社区 · 锦溪街道 · 青岚区"."""
    street = community.street
    return " · ".join(part for part in (community.name, street.name, street.district.name) if part)


def confirmed_on(registration):
    return timezone.localdate(registration.decided_at)


def validity(registration):
    """VALID while the registration is confirmed (in force); ENDED once it was closed (the member moved away)."""
    return VALID if registration.status == RegistrationStatus.CONFIRMED else ENDED


def closed_on(registration):
    return timezone.localdate(registration.closed_at) if registration.closed_at else None


def certificate_facts(registration, posts):
    """The rows of the upper half (报到证), in print order: (label, value). No phone number, no home address."""
    member = registration.member
    titles = [claim.post.title for claim in posts]
    return [
        (_("Name"), member.user.name),
        (_("Organ"), member.organ.name),
        (_("Party branch"), member.branch.name),
        (_("Community"), place_of(registration.community)),
        (_("Date confirmed"), f"{confirmed_on(registration):%Y-%m-%d}"),
        (_("Receipt number"), registration.receipt_number),
        (_("Posts claimed"), "、".join(titles) if titles else _("None yet")),
        (_("Confirmed by"), registration.community.name),
    ]


def receipt_facts(registration):
    """The rows of the lower half (回执) the organ keeps: who, from which branch, registered where, since when."""
    member = registration.member
    return [
        (_("Name"), member.user.name),
        (_("Organ"), member.organ.name),
        (_("Party branch"), member.branch.name),
        (_("Community"), place_of(registration.community)),
        (_("Date confirmed"), f"{confirmed_on(registration):%Y-%m-%d}"),
        (_("Receipt number"), registration.receipt_number),
    ]


# --- the public validity page -------------------------------------------------------------------------------------


def registration_verify_url(registration, *, base_url):
    """The public validity page (no sign-in) the QR code opens: <base>/verify/registration/<code>/. The base is the
    one certificates use (CERTIFICATE_VERIFY_BASE_URL, else SITE_URL, else the address the request came to)."""
    path = reverse("public:registration", kwargs={"code": registration.verification_code})
    return base_url.rstrip("/") + path


def verify_base_url(request=None):
    return certificate_base_url(request)


# --- the PDF ----------------------------------------------------------------------------------------------------


def pdf_response(content, *, filename):
    """The PDF as a download, for the API and the pages alike."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def registration_certificate_pdf(registration, *, base_url):
    """The certificate and its receipt on one A4 page (bytes), labels in the active language. The caller checked
    that the registration is confirmed (selectors.registration_certificate_get)."""
    posts = registration_posts_held(registration)
    seal = printed_seal()  # once the registration and its posts are read
    buffer = io.BytesIO()
    _Page(registration, posts, registration_verify_url(registration, base_url=base_url), seal).render(buffer)
    return buffer.getvalue()


def address_lines(url, font, size, width):
    """The address broken after its slashes only, so that the verification code is never cut in two for whoever
    types it from the paper."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for part in re.split(r"(?<=/)", url):
        if line and stringWidth(line + part, font, size) > width:
            lines.append(line)
            line = ""
        line += part
    return [*lines, line] if line else lines


@dataclass
class _Page:
    registration: object
    posts: list
    verify_url: str
    seal: object  # apps.seals.printed.PrintedSeal

    def render(self, buffer):
        # reportlab is imported here so that only the code drawing a PDF pays for it.
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.pdfgen.canvas import Canvas

        self.mm = mm
        self.width, self.height = A4
        self.font = pdf_fonts.cjk_font()
        registration = self.registration
        # The page's first font is ours, so that no font but the embedded one is named in the file.
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=self.font, initialFontSize=11)
        canvas.setTitle(_("Registration Certificate"))
        canvas.setSubject(registration.receipt_number)
        canvas.setAuthor(registration.community.name)
        cut = self.height / 2
        self._certificate(canvas, top=self.height - 14 * mm, bottom=cut + 8 * mm)
        self._cut_line(canvas, cut)
        self._receipt(canvas, top=cut - 8 * mm, bottom=14 * mm)
        canvas.showPage()
        canvas.save()

    # --- styles and blocks ---

    def _styles(self):
        from reportlab.lib.enums import TA_CENTER, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        body = ParagraphStyle("body", fontName=self.font, fontSize=11, leading=16, wordWrap="CJK")
        return {
            "body": body,
            "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5),
            "label": ParagraphStyle("label", parent=body, textColor="#444444"),
            "title": ParagraphStyle("title", parent=body, fontSize=20, leading=26, alignment=TA_CENTER),
            "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=9.5, leading=13, alignment=TA_CENTER),
            "signature": ParagraphStyle("signature", parent=body, alignment=TA_RIGHT),
        }

    def _para(self, text, style):
        from reportlab.platypus import Paragraph

        # Paragraph text is mini-markup: names typed by people must not be read as tags.
        return Paragraph(escape(str(text)), style)

    def _facts_table(self, rows, styles, width):
        from reportlab.platypus import Table, TableStyle

        label_width = 30 * self.mm
        table = Table(
            [[self._para(label, styles["label"]), self._para(value, styles["body"])] for label, value in rows],
            colWidths=[label_width, width - label_width],
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    # The cells hold paragraphs; the table's own font is ours too (its default is Helvetica).
                    ("FONTNAME", (0, 0), (-1, -1), self.font),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("LINEBELOW", (1, 0), (1, -1), 0.3, "#bbbbbb"),
                ]
            )
        )
        return table

    def _half(self, canvas, *, top, bottom, title, subtitle, story):
        """A titled half page: the story on the left, shrunk if need be so that it never leaves its half (the
        paper is one page whatever the names' lengths), and the QR code with the address on the right."""
        from reportlab.platypus import Frame, KeepInFrame

        mm = self.mm
        styles = self._styles()
        left, right = 18 * mm, self.width - 18 * mm
        canvas.setLineWidth(0.8)
        canvas.roundRect(left - 4 * mm, bottom, right - left + 8 * mm, top - bottom, 3 * mm)
        heading = [self._para(title, styles["title"]), self._para(subtitle, styles["subtitle"])]
        heading_height = sum(p.wrap(right - left, top - bottom)[1] for p in heading) + 4 * mm
        y = top - 5 * mm
        for paragraph in heading:
            _w, h = paragraph.wrap(right - left, top - bottom)
            paragraph.drawOn(canvas, left, y - h)
            y -= h
        qr_size = 36 * mm
        column = right - left - qr_size - 8 * mm
        frame_top = top - heading_height - 3 * mm
        frame_bottom = bottom + 4 * mm + self._seal(canvas, left=left, bottom=bottom + 3 * mm, width=right - left)
        frame = Frame(left, frame_bottom, column, frame_top - frame_bottom, 0, 0, 0, 0, showBoundary=0)
        frame.addFromList([KeepInFrame(column, frame_top - frame_bottom, story, mode="shrink")], canvas)
        qr_x, qr_top = right - qr_size, frame_top
        self._qr(canvas, x=qr_x, y=qr_top - qr_size, size=qr_size)
        caption = self._para(_("Scan to check that this registration is in force."), styles["small"])
        _w, h = caption.wrap(qr_size + 2 * mm, qr_top)
        y = qr_top - qr_size - 2 * mm - h
        caption.drawOn(canvas, qr_x, y)
        canvas.setFont(self.font, 7.5)
        for line in address_lines(self.verify_url, self.font, 7.5, qr_size + 2 * mm):
            y -= 9.5
            canvas.drawString(qr_x, y, line)

    def _seal(self, canvas, *, left, bottom, width):
        """The seal's line and what it is for, small, across the foot of the half (each half is kept apart once the
        page is cut); the seal's number:digest is never cut, only moved to a line of its own. Returns the height
        taken."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        size, leading = 6.5, 8.5
        lines = []
        for text in self.seal.lines:
            lines += fitted_lines(text, width=width, string_width=lambda t: stringWidth(t, self.font, size))
        canvas.saveState()
        canvas.setFont(self.font, size)
        canvas.setFillColor("#444444")
        for index, line in enumerate(reversed(lines)):
            canvas.drawString(left, bottom + index * leading, line)
        canvas.restoreState()
        return len(lines) * leading

    def _qr(self, canvas, *, x, y, size):
        """segno's modules drawn as filled squares (vector, sharp at any printer resolution), a link over them."""
        import segno

        code = segno.make(self.verify_url, error="m")
        rows = [list(row) for row in code.matrix_iter(border=2)]
        module = size / len(rows)
        canvas.saveState()
        canvas.setFillColor("#000000")
        canvas.setLineWidth(0)
        for i, row in enumerate(rows):
            j = 0
            while j < len(row):
                if not row[j]:
                    j += 1
                    continue
                start = j
                while j < len(row) and row[j]:
                    j += 1
                # One rectangle per run of dark modules: fewer drawing operations, no seams between them.
                canvas.rect(x + start * module, y + size - (i + 1) * module, (j - start) * module, module, 0, 1)
        canvas.restoreState()
        canvas.linkURL(self.verify_url, (x, y, x + size, y + size), relative=0)

    def _signature(self, styles, registration):
        """Where the community stamps its seal: its name and the date of confirmation, on the right."""
        text = _("%(community)s (seal)    %(date)s") % {
            "community": registration.community.name,
            "date": f"{confirmed_on(registration):%Y-%m-%d}",
        }
        return self._para(text, styles["signature"])

    # --- the two halves ---

    def _certificate(self, canvas, *, top, bottom):
        from reportlab.platypus import Spacer

        registration, member = self.registration, self.registration.member
        styles = self._styles()
        column = self.width - 36 * self.mm - 44 * self.mm
        intro = _(
            "%(name)s, an in-service Party member of %(organ)s, has registered with %(community)s, the community "
            "where they live. The community confirmed the registration on %(date)s."
        ) % {
            "name": member.user.name,
            "organ": member.organ.name,
            "community": registration.community.name,
            "date": f"{confirmed_on(registration):%Y-%m-%d}",
        }
        story = [
            self._para(intro, styles["body"]),
            Spacer(1, 2.5 * self.mm),
            self._facts_table(certificate_facts(registration, self.posts), styles, column),
            Spacer(1, 6 * self.mm),
            self._signature(styles, registration),
        ]
        self._half(
            canvas,
            top=top,
            bottom=bottom,
            title=_("Registration Certificate"),
            subtitle=_("Kept by the member"),
            story=story,
        )

    def _receipt(self, canvas, *, top, bottom):
        from reportlab.platypus import Spacer

        registration, member = self.registration, self.registration.member
        styles = self._styles()
        column = self.width - 36 * self.mm - 44 * self.mm
        addressee = _("To the Party organization of %(organ)s:") % {"organ": member.organ.name}
        text = _(
            "%(name)s of your %(branch)s has registered with our community as an in-service Party member living "
            "here. We confirmed the registration on %(date)s under receipt number %(number)s."
        ) % {
            "name": member.user.name,
            "branch": member.branch.name,
            "date": f"{confirmed_on(registration):%Y-%m-%d}",
            "number": registration.receipt_number,
        }
        story = [
            self._para(addressee, styles["body"]),
            self._para(text, styles["body"]),
            Spacer(1, 2.5 * self.mm),
            self._facts_table(receipt_facts(registration), styles, column),
            Spacer(1, 6 * self.mm),
            self._signature(styles, registration),
        ]
        self._half(
            canvas,
            top=top,
            bottom=bottom,
            title=_("Registration Receipt"),
            subtitle=_("Handed by the member to their organ"),
            story=story,
        )

    def _cut_line(self, canvas, y):
        mm = self.mm
        label = _("Cut along this line")
        canvas.saveState()
        canvas.setDash(4, 3)
        canvas.setLineWidth(0.6)
        canvas.setStrokeColor("#777777")
        canvas.setFont(self.font, 8)
        text_width = canvas.stringWidth(label, self.font, 8)
        middle = self.width / 2
        canvas.line(10 * mm, y, middle - text_width / 2 - 3 * mm, y)
        canvas.line(middle + text_width / 2 + 3 * mm, y, self.width - 10 * mm, y)
        canvas.setFillColor("#555555")
        canvas.drawCentredString(middle, y - 1 * mm, label)
        canvas.restoreState()
