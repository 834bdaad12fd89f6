"""The service report (apps.stats.report) as a Word document (.docx, python-docx), the format a Party office edits:
A4, the title and the time of generation, each section's heading, sentences and table, and in the footer of every
page the latest seal of the ledger with what it is for. Text goes in as plain text (python-docx escapes it), so a name
that begins with = + - @ reads as typed.
"""

import re
from copy import deepcopy
from io import BytesIO

from django.utils import timezone
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

# Fonts every Chinese Windows has; Word substitutes its own where they are missing.
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
A4_WIDTH, A4_HEIGHT = Cm(21), Cm(29.7)
MARGIN = Cm(2.2)
TABLE_STYLES = {"cell": "ReportCell", "number": "ReportNumber", "header": "ReportHeader"}
# XML 1.0 has no place for most control characters: a name pasted with one would otherwise stop the document.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text):
    return _NOT_IN_XML.sub("", str(text))


def _fonts(font, east_asian, *, size=None, bold=None):
    """Set a style's or a run's font, the Chinese one included (Word keeps it in w:eastAsia), without the theme
    fonts the default template puts on headings, which would win over it."""
    font.name = LATIN_FONT
    rfonts = font.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    rfonts.set(qn("w:eastAsia"), east_asian)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)


def _styles(document):
    styles = document.styles
    normal = styles["Normal"]
    _fonts(normal.font, BODY_FONT, size=12)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.35
    heading = styles["Heading 1"]
    _fonts(heading.font, HEADING_FONT, size=15, bold=False)
    heading.paragraph_format.space_before = Pt(14)
    heading.paragraph_format.space_after = Pt(8)
    for key, style_id in TABLE_STYLES.items():
        style = styles.add_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        _fonts(style.font, HEADING_FONT if key == "header" else BODY_FONT, size=9)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0
        style.paragraph_format.alignment = {
            "cell": WD_ALIGN_PARAGRAPH.LEFT,
            "number": WD_ALIGN_PARAGRAPH.RIGHT,
            "header": WD_ALIGN_PARAGRAPH.CENTER,
        }[key]


def _page(document):
    section = document.sections[0]
    section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = Cm(2.5)
    # The page number, centred at the foot of every page (a PAGE field Word fills in).
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    return section.page_width - section.left_margin - section.right_margin


def _seal_footer(document, seal):
    """The seal's line and what it is for, small, under the page number in the footer of every page."""
    footer = document.sections[0].footer
    for text in seal.lines:
        paragraph = footer.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        _fonts(paragraph.add_run(_text(text)).font, BODY_FONT, size=8)


def _cell(cell, text, style_id):
    """Fill a new cell with one paragraph of plain text in a table style, straight in the XML (thousands of cells:
    no per-cell style lookup)."""
    tc = cell._tc
    tc.clear_content()
    paragraph = tc.add_p()
    paragraph.style = style_id
    paragraph.add_r().text = _text(text)


def _repeat_as_header(row):
    """The row is repeated at the top of every page the table runs onto."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _table(document, table, width):
    """The table with its header row repeated on every page. The rows are copies of one template row whose texts are
    then set: python-docx's own add_row looks through every row already there, which makes a list of thousands of
    members take minutes."""
    columns = table.columns
    total = sum(column.width for column in columns)
    widths = [int(width * column.width / total) for column in columns]
    grid = document.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, column_width in zip(grid.columns, widths, strict=True):
        column.width = column_width
    header = grid.rows[0]
    _repeat_as_header(header)
    for cell, column, column_width in zip(header.cells, columns, widths, strict=True):
        cell.width = column_width
        _cell(cell, column.header, TABLE_STYLES["header"])
    template = grid.add_row()
    for cell, column, column_width in zip(template.cells, columns, widths, strict=True):
        cell.width = column_width
        _cell(cell, "-", TABLE_STYLES["number"] if column.numeric else TABLE_STYLES["cell"])
    template = template._tr
    texts = template.findall(f".//{qn('w:t')}")
    for text in texts:
        text.set(qn("xml:space"), "preserve")  # a name's leading or trailing space stays
    tbl = grid._tbl
    tbl.remove(template)
    for line in table.rows:
        row = deepcopy(template)
        for text, value in zip(row.iterfind(f".//{qn('w:t')}"), line, strict=True):
            text.text = _text(value)
        tbl.append(row)


def render_docx(report):
    """The report as the bytes of a .docx file."""
    document = Document()
    _styles(document)
    width = _page(document)
    if report.seal is not None:
        _seal_footer(document, report.seal)
    properties = document.core_properties
    now = timezone.now()
    properties.title = _text(report.title)
    properties.author = properties.last_modified_by = ""
    properties.created = properties.modified = now
    properties.comments = _text(report.generated)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(title.add_run(_text(report.title)).font, HEADING_FONT, size=20)
    generated = document.add_paragraph()
    generated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    generated.add_run(_text(report.generated))

    for section in report.sections:
        document.add_heading(_text(section.heading), level=1)
        for sentence in section.paragraphs:
            paragraph = document.add_paragraph(_text(sentence))
            paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters, as Chinese prose is set
        if section.table is not None:
            if section.table.rows:
                _table(document, section.table, width)
            else:
                document.add_paragraph(_text(section.table.empty))
        for note in section.notes:
            document.add_paragraph(_text(note))
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
