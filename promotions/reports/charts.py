"""Server-side SVG charts for the admin dashboards: no JavaScript, no CDN, printable.

``ctr_chart`` draws a daily CTR line inside its Wilson 95% band; days without impressions
leave a gap (a CTR of nothing is not zero). Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from promotions.reports.dashboards import CtrPoint
from promotions.reports.numbers import percent

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 40


def _nice_top(value: float) -> float:
    for top in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        if value <= top:
            return top
    return 1.0


def _tick_digits(step: float) -> int:
    """The fewest decimals that write every multiple of ``step`` (a fraction) exactly as a
    percentage: a 1% scale's ticks are 0.25% apart, not "0%, 0%, 1%, 1%"."""
    for digits in range(3):
        if abs(round(step * 100, digits) - step * 100) < 1e-9:
            return digits
    return 2


def _runs(points: Sequence[CtrPoint]) -> list[list[int]]:
    """Indexes of consecutive days that have a CTR."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, p in enumerate(points):
        if p.ctr is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def ctr_chart(points: Sequence[CtrPoint], *, title: str) -> SafeString:
    """A daily CTR chart with its 95% confidence band, as inline SVG."""
    n = len(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_top(max([p.high or 0.0 for p in points] + [0.0]) * 1.05 or 0.01)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n if n else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg class="ph-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="ctr-title ctr-desc">',
        f'<title id="ctr-title">{escape(title)}</title>',
        '<desc id="ctr-desc">Daily click-through rate (line) and its 95% Wilson confidence '
        "interval (shaded band).</desc>",
    ]
    digits = _tick_digits(top / 4)
    for k in range(5):
        value = top * k / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#d8dee4" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#57606a">{percent(value, digits=digits)}</text>'
        )
    step = max(1, n // 8)
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#57606a">{points[i].day:%d %b}</text>'
        )
    for run in _runs(points):
        upper = [f"{x(i):.1f},{y(points[i].high or 0):.1f}" for i in run]
        lower = [f"{x(i):.1f},{y(points[i].low or 0):.1f}" for i in reversed(run)]
        if len(run) == 1:
            i = run[0]
            parts.append(
                f'<line class="ph-band" x1="{x(i):.1f}" x2="{x(i):.1f}" '
                f'y1="{y(points[i].high or 0):.1f}" y2="{y(points[i].low or 0):.1f}" '
                'stroke="#9ecbff" stroke-width="8"/>'
            )
        else:
            parts.append(
                f'<polygon class="ph-band" points="{" ".join(upper + lower)}" '
                'fill="#9ecbff" fill-opacity="0.55" stroke="none"/>'
            )
        line = " ".join(f"{x(i):.1f},{y(points[i].ctr or 0):.1f}" for i in run)
        parts.append(
            f'<polyline class="ph-ctr" points="{line}" fill="none" stroke="#0b5cad" '
            'stroke-width="2.5" stroke-linejoin="round"/>'
        )
        for i in run:
            p = points[i]
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(p.ctr or 0):.1f}" r="3" fill="#0b5cad">'
                f"<title>{p.day:%Y-%m-%d}: CTR {percent(p.ctr)} "
                f"(95% CI {percent(p.low)} to {percent(p.high)}), "
                f"{p.clicks} clicks / {p.impressions} impressions</title></circle>"
            )
    if not _runs(points):
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="14" '
            'fill="#57606a">No impressions in these days yet.</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # numbers and escaped text only
