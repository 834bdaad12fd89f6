"""Writing spreadsheet cells so that text stays text: every export and template goes through `append_row`,
`new_cell` or `set_value`, never through a bare `cell.value = ...` or `sheet.append(...)` of raw values.

openpyxl turns a str that starts with "=" into a formula (a name such as `=HYPERLINK(...)` would run when the file
is opened) and a str such as "#N/A" into an error value. Here a str is always written as a string cell (`t="inlineStr"`,
never `<f>`), exactly as given: no apostrophe is added to the text. Text that Excel or WPS would take for a formula if
someone retyped the cell (F2, Enter) also gets the cell's quotePrefix, the flag Excel sets for text typed after an
apostrophe. Numbers, dates and booleans keep their type, so figures stay figures; a str that looks like a number
("-5") stays that str.
"""

from openpyxl.cell.cell import Cell

# What a spreadsheet program reads as the start of a formula when the text is typed in (OWASP's CSV injection list,
# with the full-width signs a Chinese input method produces).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
TEXT = "s"


def set_value(cell, value):
    """`cell.value = value`, except that a str is kept as text whatever it starts with. Returns the cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = TEXT
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def new_cell(sheet, value=None):
    """A cell of `sheet` holding `value` (text kept as text), for `sheet.append` in normal and write-only mode
    alike; style it before appending."""
    return set_value(Cell(sheet, row=1, column=1), value)  # append() moves it to its row and column


def append_row(sheet, values):
    """`sheet.append(values)` with every str written as text. Cells already made (by `new_cell`, styled) pass as
    they are; None leaves the cell empty."""
    sheet.append([value if isinstance(value, Cell) or value is None else new_cell(sheet, value) for value in values])


def header_footer_text(text):
    """Text for a printed page's header or footer, shown as given: there "&" starts a code (the page number, a
    font...), so a literal one is doubled."""
    return text.replace("&", "&&")
