"""The report's heatmaps (conversion by region, cube coverage) and trend lines across cycles.

Same conventions as cube.evaluation.charts: one `<svg data-chart="name">` per chart,
a title, labelled axes or a legend, every mark of class `mark` with its value and a
tooltip, and all data strings escaped (cube.evaluation.svg does it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cube.evaluation.svg import (
    EMPTY_FILL,
    Linear,
    chart,
    colour_of,
    el,
    empty,
    fit,
    ink,
    legend,
    mark,
    nice_ticks,
    num,
    pct,
    ramp,
    ramp_legend,
    text,
    tip,
    y_axis,
)

CELL_H = 24.0


def _header(
    left: float, top: float, cell_w: float, labels: Sequence[str], groups: Sequence[tuple[str, int]]
) -> list[str]:
    """Column labels and, above them, group labels over a rule spanning their columns."""
    out, x = [], left
    for label, span in groups:
        width = span * cell_w
        out.append(
            text(
                x + width / 2,
                top - 26,
                fit(label, width - 4),
                text_anchor="middle",
                class_="group-label",
            )
        )
        out.append(
            el("line", x1=x + 1, x2=x + width - 1, y1=top - 22, y2=top - 22, class_="group-rule")
        )
        x += width
    for j, label in enumerate(labels):
        out.append(
            text(
                left + (j + 0.5) * cell_w,
                top - 6,
                fit(label, cell_w - 2),
                text_anchor="middle",
                class_="col-label",
            )
        )
    return out


def heatmap(
    name: str,
    title: str,
    note: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Mapping[tuple[str, str], tuple[float, str, str]],
    scale_label: str,
    fmt: Callable[[float], str],
    groups: Sequence[tuple[str, int]] = (),
    labels: Sequence[str] = (),
    cell_w: float = 80.0,
    root: bool = False,
) -> str:
    """Rows x columns of coloured cells; `cells[(row, column)]` = (value, text, tooltip),
    absent cells are grey. `groups` = column group headers (label, span), `labels` the
    shown column labels (default: the columns); `root` colours by sqrt(value / max), for
    counts spanning decades."""
    if not rows or not columns:
        return empty(name, title, "Nothing to show for this run.")
    left = min(max(len(r) for r in rows) * 6.6 + 16, 240.0)
    top = 58.0 + (20.0 if groups else 0.0)
    top_value = max([v for v, _, _ in cells.values()] + [0.0]) or 1.0
    body = _header(left, top, cell_w, labels or columns, groups)
    for i, row in enumerate(rows):
        y = top + i * CELL_H
        body.append(
            text(left - 8, y + 16, fit(row, left - 10), text_anchor="end", class_="row-label")
        )
        for j, column in enumerate(columns):
            box = {
                "x": left + j * cell_w + 1,
                "y": y + 1,
                "width": cell_w - 2,
                "height": CELL_H - 2,
            }
            if (row, column) not in cells:
                body.append(el("rect", tip(f"{row} · {column}: none"), fill=EMPTY_FILL, **box))
                continue
            value, label, tooltip = cells[(row, column)]
            share = value / top_value
            fill = ramp(share**0.5 if root else share)
            body.append(mark("rect", value, tooltip, fill=fill, **box))
            body.append(
                text(
                    box["x"] + cell_w / 2 - 1,
                    y + 16,
                    fit(label, cell_w - 4),
                    text_anchor="middle",
                    fill=ink(fill),
                    class_="in-cell",
                )
            )
    bottom = top + len(rows) * CELL_H + 14
    body.append(ramp_legend(left, bottom, top_value, fmt, scale_label, root))
    width = max(left + len(columns) * cell_w + 10, 720)
    return chart(name, title, width, bottom + 34, "".join(body), note)


Panel = tuple[str, str, dict[str, list[Any]]]


def trends(cycles: Sequence[str], panels: Sequence[Panel]) -> str:
    """Lines across cycles (x: run date), one panel per metric; `panels` = (metric, axis
    label, {series: value per cycle, None where unmeasured}). Series are nudged apart
    sideways by a few pixels so equal values stay visible."""
    name, title = "trends", "Trends across cycles"
    if not any(v is not None for _, _, data in panels for vs in data.values() for v in vs):
        return empty(name, title, "Nothing measured yet: no contact in any evaluated cycle.")
    left, plot_w, gap = 72.0, 300.0, 96.0
    series = list(dict.fromkeys(s for _, _, data in panels for s in data))
    body = []
    for p, panel in enumerate(panels):
        body += _trend_panel(panel, cycles, series, left + p * (plot_w + gap), plot_w)
    keys = [(s, colour_of(s, i)) for i, s in enumerate(series)]
    box, height = legend(keys, left, 64 + 170 + 48, 2 * plot_w + gap)
    note = f"{len(cycles)} evaluated cycle(s) up to this one; 'all' = every touchpoint (dashed)"
    width = left + 2 * plot_w + gap + 20
    return chart(name, title, width, 64 + 170 + 54 + height, "".join(body) + box, note)


def _trend_panel(
    panel: Panel, cycles: Sequence[str], series: Sequence[str], x0: float, plot_w: float
) -> list[str]:
    metric, axis_label, data = panel
    top, plot_h = 64.0, 170.0
    values = [float(v) for vs in data.values() for v in vs if v is not None]
    ticks = nice_ticks(0.0, max([*values, 0.0]) or 1.0, 4)
    ys = Linear(ticks[0], ticks[-1], top + plot_h, top)
    xs = Linear(-0.5, len(cycles) - 0.5, x0, x0 + plot_w)
    fmt: Callable[[float], str] = (lambda v: pct(v)) if metric == "conversion" else "{:.2f}".format
    tick_fmt: Callable[[float], str] = (
        (lambda v: f"{v * 100:g}%") if metric == "conversion" else "{:g}".format
    )
    out = [text(x0, top - 16, metric, class_="panel-title")]
    out += [el("line", x1=x0, x2=x0 + plot_w, y1=ys(t), y2=ys(t), class_="grid") for t in ticks]
    out.append(y_axis(ys, ticks, x0, tick_fmt, axis_label))
    out.append(el("line", x1=x0, x2=x0 + plot_w, y1=top + plot_h, y2=top + plot_h, class_="axis"))
    every = max(1, len(cycles) // 5)
    for k, cycle in enumerate(cycles):
        if k % every == 0 or k == len(cycles) - 1:
            out.append(text(xs(k), top + plot_h + 16, cycle, text_anchor="middle", class_="tick"))
    out.append(
        text(x0 + plot_w / 2, top + plot_h + 32, "run date", text_anchor="middle", class_="label")
    )
    for s, label in enumerate(series):
        nudge = (s - (len(series) - 1) / 2) * 5.0
        points = [
            (xs(k) + nudge, ys(float(v)), float(v), cycles[k])
            for k, v in enumerate(data.get(label, []))
            if v is not None
        ]
        colour = colour_of(label, s)
        if len(points) > 1:
            path = " ".join(f"{num(x)},{num(y)}" for x, y, _, _ in points)
            dash = "5 3" if label == "all" else None
            out.append(
                el(
                    "polyline",
                    points=path,
                    fill="none",
                    stroke=colour,
                    stroke_dasharray=dash,
                    class_="trend-line",
                )
            )
        for x, y, v, cycle in points:
            out.append(
                mark(
                    "circle",
                    v,
                    f"{label} · {cycle} · {metric}: {fmt(v)}",
                    cx=x,
                    cy=y,
                    r=3.5,
                    fill=colour,
                )
            )
    return out
