"""The service report (apps.stats.report) as a PDF (reportlab): A4, Chinese in the built-in CID font STSong-Light as
the volunteer certificates (no font file; the reader's computer needs a Chinese font), tables whose header repeats
on every page they run onto, the title, the page number and the latest seal of the ledger (with what it is for) at
the foot of every page.
"""

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from apps.seals.printed import fitted_lines

FONT = "STSong-Light"
# A long list is laid out as tables of this many rows: reportlab splits a table across pages by re-measuring what is
# left of it, which grows with the square of a single table's length.
ROWS_PER_TABLE = 150


def _para(text, style):
    """Paragraph text is mini-markup: names typed by people must not be read as tags."""
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)), style)


def render_pdf(report):
    """The report as the bytes of a PDF file."""
    # reportlab is imported here so that only the code drawing a PDF pays for it.
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    # CJK text has no spaces: wordWrap="CJK" lets lines break between any two characters.
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK", spaceAfter=2 * mm)
    prose = ParagraphStyle("prose", parent=body, firstLineIndent=22)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=2 * mm)
    generated = ParagraphStyle("generated", parent=body, fontSize=9, leading=13, alignment=TA_CENTER)
    heading = ParagraphStyle(
        "heading", parent=body, fontSize=13, leading=19, spaceBefore=5 * mm, spaceAfter=2 * mm, keepWithNext=1
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10.5, spaceAfter=0)
    number = ParagraphStyle("number", parent=cell, alignment=TA_RIGHT)
    header = ParagraphStyle("header", parent=cell, alignment=TA_CENTER)

    left_margin = right_margin = 18 * mm
    width = A4[0] - left_margin - right_margin
    padding = 3
    grid = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        # Cells given as plain text (those that fit on one line) are drawn in the cell style's font.
        ("FONTNAME", (0, 1), (-1, -1), FONT),
        ("FONTSIZE", (0, 1), (-1, -1), cell.fontSize),
        ("LEADING", (0, 1), (-1, -1), cell.leading),
    ]

    def tables(table):
        total = sum(column.width for column in table.columns)
        widths = [width * column.width / total for column in table.columns]
        head = [_para(column.header, header) for column in table.columns]
        styles = [number if column.numeric else cell for column in table.columns]
        style = TableStyle(
            grid + [("ALIGN", (n, 1), (n, -1), "RIGHT") for n, column in enumerate(table.columns) if column.numeric]
        )

        def fitted(value, style, room):
            # A Paragraph costs a thousand times what plain text does: only text that must wrap gets one.
            text = str(value)
            if "\n" not in text and pdfmetrics.stringWidth(text, FONT, style.fontSize) <= room:
                return text
            return _para(text, style)

        rooms = [column_width - 2 * padding for column_width in widths]
        for start in range(0, len(table.rows), ROWS_PER_TABLE):
            lines = [
                [fitted(value, style, room) for value, style, room in zip(line, styles, rooms, strict=True)]
                for line in table.rows[start : start + ROWS_PER_TABLE]
            ]
            flowable = Table([head, *lines], colWidths=widths, repeatRows=1, hAlign="LEFT")
            flowable.setStyle(style)
            yield flowable

    story = [_para(report.title, title), _para(report.generated, generated)]
    for section in report.sections:
        story.append(_para(section.heading, heading))
        story += [_para(sentence, prose) for sentence in section.paragraphs]
        if section.table is not None:
            if section.table.rows:
                story += list(tables(section.table))
            else:
                story.append(_para(section.table.empty, body))
        if section.notes:
            story.append(Spacer(1, 2 * mm))
            story += [_para(note, body) for note in section.notes]

    # Above the title and the page number, the seal and what it is for, each line broken only where it must be (the
    # seal's number:digest whole on its own line).
    seal_size, seal_leading = 7, 9
    seal_lines = []
    if report.seal is not None:
        for text in report.seal.lines:
            seal_lines += fitted_lines(
                text, width=width, string_width=lambda t: pdfmetrics.stringWidth(t, FONT, seal_size)
            )

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(left_margin, 10 * mm, str(report.title))
        canvas.drawRightString(A4[0] - right_margin, 10 * mm, _("Page %(page)d") % {"page": doc.page})
        canvas.setFont(FONT, seal_size)
        canvas.setFillColor(colors.HexColor("#444444"))
        for index, line in enumerate(reversed(seal_lines)):
            canvas.drawString(left_margin, 10 * mm + 10 + index * seal_leading, line)
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=left_margin,
        rightMargin=right_margin,
        topMargin=18 * mm,
        bottomMargin=18 * mm + len(seal_lines) * seal_leading,
        title=str(report.title),
        subject=str(report.generated),
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
