"""The Chinese font PDFs are drawn in: a TrueType font from PDF_CJK_FONT_PATH, subset and embedded, so the paper
prints the same on any computer; without that file, reportlab's built-in CID font STSong-Light, which is not
embedded (the computer that opens the PDF must have a Chinese font).

Debian's `fonts-wqy-microhei` provides the default file. Fonts with CFF outlines (the Noto CJK fonts, .otf/.ttc)
cannot be embedded by reportlab: PDF_CJK_FONT_PATH must name a TrueType font (.ttf, or a .ttc whose first face is
TrueType). The system check `core.W001` (apps.core.checks) says when the fallback is in use.
"""

import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FALLBACK_FONT = "STSong-Light"
DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

# reportlab's font registry is process-wide: one registered name per font file, registered on first use.
_registered = {}


def cjk_font_path():
    return getattr(settings, "PDF_CJK_FONT_PATH", DEFAULT_FONT_PATH) or ""


def cjk_font_file_present():
    path = cjk_font_path()
    return bool(path) and Path(path).is_file()


def cjk_font():
    """The name of the registered reportlab font to draw Chinese text in: the embedded TrueType font when its file
    is there and loads, else STSong-Light. Registers it on first use."""
    path = cjk_font_path()
    if path in _registered:
        return _registered[path]
    name = _register_truetype(path) if cjk_font_file_present() else None
    if name is None:
        name = _register_fallback()
    _registered[path] = name
    return name


def font_is_embedded(name):
    return name != FALLBACK_FONT


def _register_truetype(path):
    # reportlab is imported here so that only the code drawing a PDF pays for it.
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    name = f"CJK-{Path(path).stem}-{len(_registered)}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    except (TTFError, OSError) as exc:
        logger.warning("PDF_CJK_FONT_PATH %s cannot be embedded (%s): falling back to %s", path, exc, FALLBACK_FONT)
        return None
    return name


def _register_fallback():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT
