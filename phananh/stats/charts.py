"""Server-rendered SVG charts: no JavaScript, no chart library, no CDN.

Each chart is an <svg role="img"> with a title and a description that says
what it shows in words; the page puts the same numbers in a table next to
it, so nobody needs to see the picture. Series differ by pattern as well as
colour (WCAG 1.4.1), and the legend is plain HTML text.
"""

import math
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape
from django.utils.safestring import mark_safe

# Small user units: the chart is scaled to its box, so text keeps a readable
# size on a 390px phone (about 11px) and on a desktop column.
WIDTH, HEIGHT = 420, 240
LEFT, RIGHT, TOP, BOTTOM = 46, 6, 20, 30  # TOP leaves room for the label of a 100% bar
LABEL_WIDTH = 38  # room one "mm/yy" label needs
_ids = count(1)


@dataclass(frozen=True)
class Series:
    key: str      # CSS and pattern name: open, resolved, closed, rejected, merged, ontime
    label: str


def _nice_max(value):
    """The top of the axis: four equal steps of 1, 2, 2.5 or 5 × 10^k (whole
    numbers) that reach `value`, so every grid line has a round label."""
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * magnitude
            if step == int(step) and step * 4 >= value:
                return int(step * 4)
        magnitude *= 10


def _patterns(prefix):
    """Fills that tell the series apart without colour."""
    return (
        "<defs>"
        f'<pattern id="{prefix}-open" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" class="fill-open"/>'
        '<rect width="3" height="8" class="hatch"/></pattern>'
        f'<pattern id="{prefix}-closed" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" class="fill-closed"/><circle cx="3" cy="3" r="1.3" class="dot"/></pattern>'
        f'<pattern id="{prefix}-rejected" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" class="fill-rejected"/><path d="M0 0L8 8M8 0L0 8" class="cross"/></pattern>'
        f'<pattern id="{prefix}-merged" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" class="fill-merged"/><path d="M0 4H8" class="cross"/></pattern>'
        "</defs>"
    )


def _fill(prefix, key):
    return f"url(#{prefix}-{key})" if key in ("open", "closed", "rejected", "merged") else None


def _frame(prefix, title, desc, body):
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{prefix}-t {prefix}-d" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{prefix}-t">{escape(title)}</title><desc id="{prefix}-d">{escape(desc)}</desc>'
        f"{_patterns(prefix)}{body}</svg>"
    )


def _y_axis(top_value, suffix=""):
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for i in range(5):
        value = top_value * i / 4
        y = TOP + plot_h - plot_h * i / 4
        text = f"{round(value):d}{suffix}"
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{text}</text>')
    return "".join(parts)


def _x_labels(labels, slot):
    every = max(1, math.ceil(LABEL_WIDTH / slot))
    parts = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = LEFT + slot * (i + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 17}" class="axis" text-anchor="middle">'
                     f"{escape(label)}</text>")
    return "".join(parts)


def stacked_bars(labels, series, values, title, desc):
    """One bar per label, stacked by series. `values[i][j]` is series j at label i."""
    prefix = f"c{next(_ids)}"
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = _nice_max(max((sum(v) for v in values), default=0))
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.68
    parts = [_y_axis(top_value)]
    for i, (label, stack) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = TOP + plot_h
        tip = "; ".join(f"{s.label}: {v}" for s, v in zip(series, stack, strict=True))
        parts.append(f"<g><title>{escape(label)}: {sum(stack)} — {escape(tip)}</title>")
        for s, value in zip(series, stack, strict=True):
            if not value:
                continue
            h = plot_h * value / top_value
            y -= h
            fill = _fill(prefix, s.key)
            style = f' fill="{fill}"' if fill else ""
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'class="bar fill-{s.key}"{style}/>')
        parts.append("</g>")
    parts.append(_x_labels(labels, slot))
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" class="base"/>')
    return _frame(prefix, title, desc, "".join(parts))


def percent_bars(labels, ratios, title, desc):
    """One bar per label from 0 to 100%, its value written above it; a label
    without any n shows a dash instead of a misleading zero."""
    prefix = f"c{next(_ids)}"
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.6
    parts = [_y_axis(100, "%")]
    for i, (label, ratio) in enumerate(zip(labels, ratios, strict=True)):
        x = LEFT + slot * i + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if ratio.percent is None:
            parts.append(f'<text x="{centre:.1f}" y="{TOP + plot_h - 6}" class="value" text-anchor="middle">–'
                         f"<title>{escape(label)}: n=0</title></text>")
            continue
        h = plot_h * ratio.percent / 100
        y = TOP + plot_h - h
        text_y, text_class = y - 4, "value"
        parts.append(
            f"<g><title>{escape(label)}: {ratio.percent}% ({ratio.count}/{ratio.n})</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" class="bar fill-ontime"/>'
            f'<text x="{centre:.1f}" y="{text_y:.1f}" class="{text_class}" text-anchor="middle">'
            f"{ratio.percent}%</text></g>"
        )
    parts.append(_x_labels(labels, slot))
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" class="base"/>')
    return _frame(prefix, title, desc, "".join(parts))
