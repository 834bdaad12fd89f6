"""System checks of the shared core, run by `manage.py check` (and `check --deploy`)."""

from django.core.checks import Warning, register

from apps.core import pdf_fonts


@register()
def pdf_cjk_font_check(app_configs=None, **kwargs):
    """Without the TrueType font, printed registration certificates fall back to a font they do not carry: the
    computer that opens them must have a Chinese font, or the paper shows empty boxes."""
    if pdf_fonts.cjk_font_file_present():
        return []
    return [
        Warning(
            f"PDF_CJK_FONT_PATH ({pdf_fonts.cjk_font_path() or 'empty'}) is not a file: PDFs with an embedded Chinese "
            f"font fall back to {pdf_fonts.FALLBACK_FONT}, which is not embedded.",
            hint=(
                "Install Debian's fonts-wqy-microhei (apt-get install fonts-wqy-microhei), or set PDF_CJK_FONT_PATH "
                "to a TrueType Chinese font (.ttf or .ttc; fonts with CFF outlines such as Noto CJK cannot be "
                "embedded)."
            ),
            id="core.W001",
        )
    ]
