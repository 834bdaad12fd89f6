"""The latest seal as every file the platform produces prints it (the Excel exports, the service reports, the
certificates): its line, the one sentence that says what it is for, and the line fitted to a narrow page without
cutting the seal's number and digest (docs/ledger-seals.md, "Where the seal is printed")."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from apps.seals.selectors import seal_witness_line

SEAL_PURPOSE = gettext_lazy(
    "This seal lets anyone verify that the ledger behind this document has not been changed since it was made."
)
# `number:digest` as seal_witness_line writes it: what a reader types after verify_ledger --seal.
WITNESS = re.compile(r"\d+:[0-9a-f]{64}")
# Where a line may break: after any CJK character or full-width sign, or after a word and its spaces.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")


@dataclass(frozen=True)
class PrintedSeal:
    """What a file prints: the latest seal's line ("nothing sealed yet" before the first seal) and its purpose."""

    line: str
    purpose: str

    @property
    def lines(self):
        return (self.line, self.purpose)


def printed_seal():
    """The latest seal as it stands now, read once: call it once per file, when the file's data has been read, so
    that the seal printed is the latest at the moment the file is built."""
    return PrintedSeal(line=seal_witness_line(), purpose=str(SEAL_PURPOSE))


def fitted_lines(text, *, width, string_width):
    """`text` as lines no wider than `width` (`string_width(text)` measures): one line if it fits; else broken
    before the seal's `number:digest`, which then stands whole on its own line, and what is still too wide broken
    between words (or CJK characters). The digest is never shortened: on a page too narrow even for it alone, it is
    continued on the next line."""
    if string_width(text) <= width:
        return [text]
    match = WITNESS.search(text)
    pieces = [text[: match.start()], text[match.start() :]] if match else [text]
    lines = []
    for piece in pieces:
        if piece.strip():
            lines += _broken(piece.strip(), width, string_width)
    return lines


def _broken(text, width, string_width):
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if string_width(line + token.rstrip()) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        # A word wider than the whole line (a digest on a very narrow page) goes on character by character.
        for char in token if string_width(token.rstrip()) > width else [token]:
            if line and string_width(line + char.rstrip()) > width:
                lines.append(line.rstrip())
                line = ""
            line += char
    if line.strip():
        lines.append(line.rstrip())
    return lines
