"""SVG building blocks for the evaluation report: escaping, scales, axes, legends, colours.

The report must open anywhere, offline, so charts are plain inline SVG written here
rather than a charting library loaded from a CDN. Every string that can come from data
(strategy ids, regions, touchpoints) goes through `esc`, and every mark carries a
`<title>` (the browser's tooltip) with its exact figures.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

FONT = 12
CHAR_WIDTH = 6.6  # average glyph width at FONT px of the report's sans-serif stack
# Okabe-Ito, distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
TOUCHPOINT_COLOURS = {
    "outbound_call": "#0072B2",
    "store_popup": "#E69F00",
    "internet": "#009E73",
    "sms": "#CC79A7",
    "all": "#333333",
}
# Sequential ramp (light to dark blue) for heatmaps.
RAMP = ((0.0, (222, 235, 247)), (0.5, (107, 174, 214)), (1.0, (8, 48, 107)))
EMPTY_FILL = "#f1f1f1"


def esc(value: object) -> str:
    """Text and attribute-safe HTML/SVG escaping of anything shown."""
    return html.escape(str(value), quote=True)


def num(value: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def el(tag: str, body: str = "", **attrs: object) -> str:
    """`<tag a="b">body</tag>`; attribute names use `_` for `-`, a trailing `_` is dropped."""
    parts = []
    for name, value in attrs.items():
        if value is None:
            continue
        key = name.rstrip("_").replace("_", "-")
        shown = num(value) if isinstance(value, float) else value
        parts.append(f' {key}="{esc(shown)}"')
    return f"<{tag}{''.join(parts)}>{body}</{tag}>"


def text(x: float, y: float, value: object, **attrs: object) -> str:
    return el("text", esc(value), x=float(x), y=float(y), **attrs)


def tip(value: object) -> str:
    """A tooltip child element."""
    return el("title", esc(value))


def fit(label: str, width: float) -> str:
    """`label` cut with an ellipsis to about `width` pixels."""
    room = max(int(width / CHAR_WIDTH), 2)
    return label if len(label) <= room else label[: room - 1] + "…"


def chart(name: str, title: str, width: float, height: float, body: str, note: str = "") -> str:
    """One chart: an <svg data-chart=name> with a <title>, a visible heading and a note."""
    head = text(0, 16, title, class_="chart-title")
    if note:
        head += text(0, 32, note, class_="chart-note")
    return el(
        "svg",
        tip(title) + head + body,
        xmlns="http://www.w3.org/2000/svg",
        data_chart=name,
        role="img",
        aria_label=title,
        width=float(width),
        height=float(height),
        viewBox=f"0 0 {num(width)} {num(height)}",
        class_="chart",
    )


def empty(name: str, title: str, why: str) -> str:
    """A chart with nothing to draw says so, in the same frame."""
    return chart(name, title, 720, 70, text(0, 56, why, class_="chart-empty"))


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (both included in the range)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    return ticks


class Linear:
    """Maps the domain [d0, d1] onto the range [r0, r1]."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float) -> None:
        self.d0, self.d1, self.r0, self.r1 = d0, d1 if d1 != d0 else d0 + 1.0, r0, r1

    def __call__(self, value: float) -> float:
        return self.r0 + (value - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


def x_axis(
    scale: Linear, ticks: Sequence[float], y: float, fmt: Callable[[float], str], label: str
) -> str:
    """A horizontal axis at `y`: tick lines across `grid_top`.. and labelled values."""
    out = [el("line", x1=scale.r0, x2=scale.r1, y1=y, y2=y, class_="axis")]
    for tick in ticks:
        x = scale(tick)
        out.append(el("line", x1=x, x2=x, y1=y, y2=y + 4, class_="axis"))
        out.append(text(x, y + 16, fmt(tick), text_anchor="middle", class_="tick"))
    out.append(text((scale.r0 + scale.r1) / 2, y + 32, label, text_anchor="middle", class_="label"))
    return "".join(out)


def y_axis(
    scale: Linear, ticks: Sequence[float], x: float, fmt: Callable[[float], str], label: str
) -> str:
    """A vertical axis at `x` with labelled ticks and a rotated axis label."""
    out = [el("line", x1=x, x2=x, y1=scale.r0, y2=scale.r1, class_="axis")]
    for tick in ticks:
        y = scale(tick)
        out.append(el("line", x1=x - 4, x2=x, y1=y, y2=y, class_="axis"))
        out.append(text(x - 6, y + 4, fmt(tick), text_anchor="end", class_="tick"))
    middle = (scale.r0 + scale.r1) / 2
    out.append(
        text(
            x - 50,
            middle,
            label,
            text_anchor="middle",
            class_="label",
            transform=f"rotate(-90 {num(x - 50)} {num(middle)})",
        )
    )
    return "".join(out)


def grid(scale: Linear, ticks: Sequence[float], top: float, bottom: float) -> str:
    """Vertical grid lines at the ticks of a horizontal scale."""
    return "".join(
        el("line", x1=scale(t), x2=scale(t), y1=top, y2=bottom, class_="grid") for t in ticks
    )


def legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> tuple[str, float]:
    """Swatches with labels, wrapped into rows within `width`; returns (svg, height used)."""
    out, cx, cy = [], x, y
    for label, colour in items:
        room = 18 + len(label) * CHAR_WIDTH + 14
        if cx > x and cx + room > x + width:
            cx, cy = x, cy + 18
        out.append(
            el(
                "rect",
                x=float(cx),
                y=float(cy),
                width=12.0,
                height=12.0,
                fill=colour,
                class_="swatch",
            )
        )
        out.append(text(cx + 17, cy + 10, label, class_="legend"))
        cx += room
    return el("g", "".join(out), class_="legend-box"), cy - y + 18


def ramp(share: float) -> str:
    """The heatmap colour of `share` in [0, 1]."""
    share = min(max(share, 0.0), 1.0)
    for (s0, c0), (s1, c1) in zip(RAMP, RAMP[1:], strict=False):
        if share <= s1:
            t = (share - s0) / (s1 - s0)
            return "#" + "".join(
                f"{round(a + (b - a) * t):02x}" for a, b in zip(c0, c1, strict=True)
            )
    return "#" + "".join(f"{c:02x}" for c in RAMP[-1][1])


def ink(fill: str) -> str:
    """Black or white text, whichever reads on `fill`."""
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def ramp_legend(
    x: float, y: float, top: float, fmt: Callable[[float], str], label: str, root: bool = False
) -> str:
    """A horizontal colour bar from 0 to `top` (200 px) with values at its ends and middle;
    with `root` the colours follow sqrt(value / top), so the middle reads top / 4."""
    steps, width = 24, 200.0
    cells = "".join(
        el(
            "rect",
            x=x + i * width / steps,
            y=float(y),
            width=width / steps + 0.5,
            height=10.0,
            fill=ramp(i / (steps - 1)),
        )
        for i in range(steps)
    )
    ticks = "".join(
        text(
            x + width * s,
            y + 24,
            fmt(top * (s * s if root else s)),
            text_anchor="middle",
            class_="tick",
        )
        for s in (0.0, 0.5, 1.0)
    )
    swatch = el("rect", x=x + width + 230, y=float(y), width=12.0, height=10.0, fill=EMPTY_FILL)
    none = text(x + width + 247, y + 9, "none", class_="legend")
    return el(
        "g", cells + ticks + text(x + width + 8, y + 9, label, class_="legend") + swatch + none
    )


def mark(tag: str, value: float, tooltip: str, **attrs: object) -> str:
    """A data mark: class `mark`, its value in `data-value` and a tooltip."""
    return el(tag, tip(tooltip), class_="mark", data_value=f"{float(value):.6g}", **attrs)


def colour_of(name: str, index: int) -> str:
    return TOUCHPOINT_COLOURS.get(name, PALETTE[index % len(PALETTE)])


def count(value: float) -> str:
    """1234 -> '1,234'; 12345 -> '12.3k'; 1.2e6 -> '1.2M'."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.1f}k"
    return f"{value:,.0f}"


def pct(value: float, signed: bool = False) -> str:
    text_ = f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"
    return text_.replace("-", "−")


def money(value: float) -> str:
    return count(value).replace("-", "−")
