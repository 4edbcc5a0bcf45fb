"""Server-rendered SVG charts for the dashboard: no script, no CDN, and they
scale with the page (``viewBox``) down to a phone's width."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#be185d",
           "#4b5563")
STATUS_COLOURS = {"approved": "#16a34a", "flagged": "#d97706", "rejected": "#dc2626",
                  "pending": "#6b7280"}


def hbars(items: list[tuple[str, int]], title: str,
          colours: dict[str, str] | None = None) -> Markup:
    """Horizontal bars, one per (label, value), labelled with their values."""
    if not items:
        return Markup(f'<p class="empty">{escape(title)}: nothing yet.</p>')
    row, label_w, width = 22, 150, 480
    top = max(v for _, v in items) or 1
    height = row * len(items) + 8
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for n, (label, value) in enumerate(items):
        y = 4 + n * row
        w = max(1, int((width - label_w - 50) * value / top))
        colour = (colours or {}).get(label, PALETTE[0])
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="lbl">'
            f'{escape(label[:24])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row - 7}" '
            f'fill="{colour}" rx="2"/>'
            f'<text x="{label_w + w + 4}" y="{y + 15}" class="val">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(days: list[str], series: dict[str, list[int]], title: str) -> Markup:
    """Grouped columns per day (one colour per series) with a legend."""
    if not series or not any(any(v) for v in series.values()):
        return Markup(f'<p class="empty">{escape(title)}: nothing in these days.</p>')
    width, height, left, bottom = 480, 200, 28, 36
    top_value = max(max(v) for v in series.values()) or 1
    slot = (width - left) / len(days)
    bar = max(1.0, (slot - 4) / len(series))
    plot_h = height - bottom - 10
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height + 18 * len(series)}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="0" y="14" class="val">{top_value}</text>',
             f'<line x1="{left}" y1="{10 + plot_h}" x2="{width}" y2="{10 + plot_h}" '
             'stroke="#9ca3af"/>']
    for d, day in enumerate(days):
        x0 = left + d * slot
        if d % 2 == 0 or len(days) <= 7:
            parts.append(f'<text x="{x0 + slot / 2:.1f}" y="{height - bottom + 22}" '
                         f'text-anchor="middle" class="tick">{escape(day[5:])}</text>')
        for s, values in enumerate(series.values()):
            h = plot_h * values[d] / top_value
            parts.append(f'<rect x="{x0 + 2 + s * bar:.1f}" y="{10 + plot_h - h:.1f}" '
                         f'width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(day)}: '
                         f'{values[d]}</title></rect>')
    for s, name in enumerate(series):
        y = height + 4 + 18 * s
        parts.append(f'<rect x="{left}" y="{y}" width="12" height="12" '
                     f'fill="{PALETTE[s % len(PALETTE)]}"/><text x="{left + 18}" y="{y + 11}" '
                     f'class="lbl">{escape(name[:40])} ({sum(series[name])})</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
