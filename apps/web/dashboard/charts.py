"""Accessible bar charts drawn on the server as SVG: no JavaScript, readable by a screen reader (a <title> and a
<desc> named by aria-labelledby, each bar with its own <title>) and by anyone who prints the page."""

from dataclasses import dataclass
from math import ceil, log10

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR_COLOUR = "#b0141f"  # the site's red (site.css --red), AA contrast on white for the value labels
INK = "#1d1d1f"
MUTED = "#5b5b63"
GRID = "#d9d9de"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float


def _nice_max(value):
    """The top of the value axis: the data's maximum rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 10 ** int(log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return ceil(value)


def _number(value):
    """A value as a short label: integers plainly, other numbers with one decimal."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def _text(x, y, content, *, anchor="middle", size=12, fill=INK, extra=""):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>'
        f"{escape(content)}</text>"
    )


def _shorten(label, limit):
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(*, chart_id, title, desc, bars, value_label, horizontal=False):
    """An SVG bar chart of `bars` (Bar(label, value)), one <rect class="bar"> per bar (zero-height for a zero), the
    value written at each bar, the categories and `value_label` as axis labels. Vertical bars suit a time axis
    (months); horizontal bars suit long names (branches, communities, kinds of service). `chart_id` must be unique
    in the page: the ids of the <title> and <desc> derive from it."""
    bars = list(bars)
    uid = chart_id
    top = _nice_max(max((bar.value for bar in bars), default=0))
    if horizontal:
        body, width, height = _horizontal(bars, top, value_label)
    else:
        body, width, height = _vertical(bars, top, value_label)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="bar-chart {"bar-chart-h" if horizontal else "bar-chart-v"}" '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="system-ui, sans-serif">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 -- every piece of text above is escaped


def _ticks(top):
    return [top * n / 4 for n in range(5)]


def _vertical(bars, top, value_label):
    left, right, upper, lower = 48, 12, 24, 44
    slot = 56
    plot_w = max(slot * len(bars), slot)
    plot_h = 200
    width, height = left + plot_w + right, upper + plot_h + lower
    parts = []
    for tick in _ticks(top):
        y = upper + plot_h - tick / top * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, _number(tick), anchor="end", size=11, fill=MUTED))
    parts.append(
        _text(
            14,
            upper + plot_h / 2,
            value_label,
            size=12,
            fill=MUTED,
            extra=f' transform="rotate(-90 14 {upper + plot_h / 2:.1f})"',
        )
    )
    for n, bar in enumerate(bars):
        h = bar.value / top * plot_h
        x = left + n * slot + slot * 0.18
        w = slot * 0.64
        y = upper + plot_h - h
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR_COLOUR}">'
            f"<title>{escape(bar.label)}: {escape(_number(bar.value))}</title></rect>"
        )
        parts.append(_text(x + w / 2, y - 5, _number(bar.value), size=11))
        parts.append(_text(x + w / 2, upper + plot_h + 18, _shorten(bar.label, 8), size=11, fill=MUTED))
    parts.append(f'<line x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" y2="{upper + plot_h}" stroke="{INK}"/>')
    return "".join(parts), width, height


def _horizontal(bars, top, value_label):
    left, right, upper, lower = 112, 44, 8, 40
    row = 28
    plot_w = 230
    plot_h = max(row * len(bars), row)
    width, height = left + plot_w + right, upper + plot_h + lower
    parts = []
    for tick in _ticks(top):
        x = left + tick / top * plot_w
        parts.append(f'<line x1="{x:.1f}" y1="{upper}" x2="{x:.1f}" y2="{upper + plot_h}" stroke="{GRID}"/>')
        parts.append(_text(x, upper + plot_h + 16, _number(tick), size=11, fill=MUTED))
    parts.append(_text(left + plot_w / 2, upper + plot_h + 34, value_label, size=12, fill=MUTED))
    for n, bar in enumerate(bars):
        w = bar.value / top * plot_w
        y = upper + n * row + row * 0.15
        h = row * 0.7
        parts.append(
            f'<rect class="bar" x="{left}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR_COLOUR}">'
            f"<title>{escape(bar.label)}: {escape(_number(bar.value))}</title></rect>"
        )
        parts.append(_text(left - 6, y + h / 2 + 4, _shorten(bar.label, 8), anchor="end", size=12))
        parts.append(_text(left + w + 4, y + h / 2 + 4, _number(bar.value), anchor="start", size=11))
    parts.append(f'<line x1="{left}" y1="{upper}" x2="{left}" y2="{upper + plot_h}" stroke="{INK}"/>')
    return "".join(parts), width, height
