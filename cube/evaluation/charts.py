"""The evaluation report's charts, each one `<svg data-chart="name">` built from plain rows.

Every chart has a title (an SVG <title> and a visible heading), labelled axes or a
legend, and its figures written on or beside the marks; each mark (bar, segment,
point, cell) has class `mark`, a `data-value` and a tooltip. The report test counts
the marks in a real browser, so a chart that silently draws nothing fails it.

Inputs are lists of dicts (one per touchpoint, strategy x touchpoint, region...) so
the builders do not know about pandas; `cube.evaluation.html` prepares them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cube.evaluation.svg import (
    Linear,
    chart,
    colour_of,
    count,
    el,
    empty,
    fit,
    grid,
    ink,
    legend,
    mark,
    money,
    nice_ticks,
    pct,
    text,
    x_axis,
)

Row = Mapping[str, Any]
STAGES = ("issued", "delivered", "attempted", "contacted", "accepted")
STAGE_LABELS = {"contacted": "reached"}
# final state column -> (legend label, colour)
OUTCOMES = {
    "accepted": ("accepted", "#009E73"),
    "declined": ("declined", "#D55E00"),
    "opted_out": ("opted out", "#CC79A7"),
    "undecided": ("reached, undecided", "#56B4E9"),
    "unreachable": ("unreachable", "#E69F00"),
    "expired": ("expired", "#8c8c8c"),
    "withdrawn": ("withdrawn", "#b5b5b5"),
    "superseded": ("superseded", "#d4d4d4"),
    "dead_lettered": ("dead-lettered", "#000000"),
    "pending": ("pending", "#F0E442"),
    "unloaded": ("not in the store", "#f4cccc"),
}


def funnel(rows: Sequence[Row]) -> str:
    """Per touchpoint: issued > delivered > attempted > reached > accepted, bars on one scale."""
    name, title = "funnel", "Funnel per touchpoint"
    if not rows:
        return empty(name, title, "No work orders in this run.")
    left, bar_w, top, step = 200.0, 400.0, 48.0, 18.0
    top_n = max(max(float(r["issued"]) for r in rows), 1.0)
    ticks = nice_ticks(0, top_n)
    scale = Linear(0, ticks[-1], left, left + bar_w)
    body, y = [grid(scale, ticks, top - 4, 0)], top
    for i, row in enumerate(rows):
        colour = colour_of(row["touchpoint"], i)
        middle = y + step * len(STAGES) / 2
        body.append(text(0, middle + 4, fit(row["touchpoint"], 100), class_="row-label"))
        issued = float(row["issued"]) or 1.0
        for stage in STAGES:
            n = float(row[stage])
            share = n / issued
            label = STAGE_LABELS.get(stage, stage)
            body.append(text(left - 8, y + 12, label, text_anchor="end", class_="tick"))
            body.append(
                mark(
                    "rect",
                    n,
                    f"{row['touchpoint']} · {label}: {n:,.0f} ({pct(share)} of issued)",
                    x=left,
                    y=y + 2,
                    width=scale(n) - left,
                    height=step - 4,
                    fill=colour,
                )
            )
            body.append(text(scale(n) + 6, y + 13, f"{n:,.0f} · {pct(share)}", class_="value"))
            y += step
        y += 12
    body[0] = grid(scale, ticks, top - 4, y - 8)
    body.append(x_axis(scale, ticks, y - 6, count, "work orders (share of issued)"))
    return chart(
        name,
        title,
        760,
        y + 36,
        "".join(body),
        "orders reaching each stage: handed out, contact paid for, subscriber reached, accepted",
    )


def outcomes(rows: Sequence[Row]) -> str:
    """Per touchpoint: where every issued order ended, as shares of 100%."""
    name, title = "outcomes", "Where the orders ended, per touchpoint"
    rows = [r for r in rows if float(r["issued"]) > 0]
    if not rows:
        return empty(name, title, "No work orders in this run.")
    left, bar_w, top, step = 110.0, 540.0, 48.0, 30.0
    body, used = [], set()
    for i, row in enumerate(rows):
        y = top + i * step
        body.append(text(0, y + 15, fit(row["touchpoint"], left - 8), class_="row-label"))
        issued, x = float(row["issued"]), left
        for state, (label, colour) in OUTCOMES.items():
            n = float(row[state])
            if n <= 0:
                continue
            used.add(state)
            w = n / issued * bar_w
            body.append(
                mark(
                    "rect",
                    n,
                    f"{row['touchpoint']} · {label}: {n:,.0f} ({pct(n / issued)})",
                    x=x,
                    y=y,
                    width=w,
                    height=20.0,
                    fill=colour,
                )
            )
            if w > 34:
                body.append(
                    text(
                        x + w / 2,
                        y + 14,
                        count(n),
                        text_anchor="middle",
                        fill=ink(colour),
                        class_="in-bar",
                    )
                )
            x += w
        body.append(text(left + bar_w + 8, y + 15, f"{issued:,.0f} issued", class_="value"))
    y = top + len(rows) * step + 6
    keys = [(OUTCOMES[s][0], OUTCOMES[s][1]) for s in OUTCOMES if s in used]
    box, height = legend(keys, left, y, bar_w + 100)
    note = "final state of each issued order at the evaluation date"
    return chart(name, title, 760, y + height + 8, "".join(body) + box, note)


def _hbars(
    rows: Sequence[Row],
    key: str,
    left: float,
    width: float,
    top: float,
    fmt: Callable[..., str],
    reference: float | None = None,
) -> tuple[str, float, Linear, list[float]]:
    """One panel of horizontal bars from zero (negatives to the left); returns the svg, its
    bottom, the scale and its ticks (for the axis under both panels)."""
    values = [float(r[key]) for r in rows if r[key] is not None]
    low = min([0.0, *values])
    high = max([0.0, *values, *([reference * 1.2] if reference else [])]) or 1.0
    ticks = nice_ticks(low, high, 4)
    scale = Linear(ticks[0], ticks[-1], left, left + width)
    step, out = 26.0, []
    bottom = top + len(rows) * step
    out.append(grid(scale, ticks, top - 4, bottom))
    for i, row in enumerate(rows):
        y, value = top + i * step, row[key]
        if value is None:
            out.append(text(scale(0) + 4, y + 15, "no cost yet", class_="value"))
            continue
        x0, x1 = sorted((scale(0), scale(float(value))))
        out.append(
            mark(
                "rect",
                float(value),
                f"{row['touchpoint']} · {key}: {fmt(float(value))}",
                x=x0,
                y=y + 3,
                width=max(x1 - x0, 0.0),
                height=step - 8,
                fill=colour_of(row["touchpoint"], i),
            )
        )
        anchor = "start" if float(value) >= 0 else "end"
        label_x = x1 + 4 if float(value) >= 0 else x0 - 4
        out.append(text(label_x, y + 16, fmt(float(value)), text_anchor=anchor, class_="value"))
    if reference is not None:
        x = scale(reference)
        out.append(el("line", x1=x, x2=x, y1=top - 6, y2=bottom, class_="reference"))
        out.append(text(x + 3, top - 8, f"break-even ({reference:g})", class_="reference-label"))
    out.append(el("line", x1=scale(0), x2=scale(0), y1=top - 4, y2=bottom, class_="zero"))
    return "".join(out), bottom, scale, ticks


def roi_value(rows: Sequence[Row]) -> str:
    """Per touchpoint: ROI (revenue / cost, break-even at 1) and value (revenue - cost, CNY)."""
    name, title = "roi-value", "ROI and value per touchpoint"
    if not rows:
        return empty(name, title, "No work orders in this run.")
    left, panel, gap, top = 110.0, 250.0, 80.0, 80.0
    body = [
        text(left, top - 30, "ROI = revenue / cost", class_="panel-title"),
        text(left + panel + gap, top - 30, "value = revenue − cost (CNY)", class_="panel-title"),
    ]
    for i, row in enumerate(rows):
        body.append(
            text(0, top + i * 26 + 16, fit(row["touchpoint"], left - 8), class_="row-label")
        )
    roi, bottom, roi_scale, roi_ticks = _hbars(
        rows, "roi", left, panel, top, lambda v: f"{v:.2f}", reference=1.0
    )
    val, _, val_scale, val_ticks = _hbars(rows, "value", left + panel + gap, panel, top, money)
    body += [
        roi,
        val,
        x_axis(roi_scale, roi_ticks, bottom + 2, lambda v: f"{v:g}", "ROI"),
        x_axis(val_scale, val_ticks, bottom + 2, money, "value (CNY)"),
    ]
    note = "revenue = accepted x monthly value x horizon; cost = contacts x cost per contact"
    return chart(name, title, 780, bottom + 44, "".join(body), note)


def uplift(rows: Sequence[Row]) -> str:
    """Forest plot: take-up uplift over the holdout with its 95% interval, per strategy x
    touchpoint (and each strategy overall)."""
    name, title = "uplift", "Uplift over the holdout, 95% intervals"
    shown = [r for r in rows if r["uplift"] is not None]
    if not shown:
        return empty(name, title, "No uplift: no strategy in this run has a holdout.")
    left, plot_w, top, step = 250.0, 330.0, 48.0, 22.0
    bounds = [float(r[k]) for r in shown for k in ("low", "high", "uplift") if r[k] is not None]
    ticks = nice_ticks(min([0.0, *bounds]), max([0.0, *bounds]), 5)
    scale = Linear(ticks[0], ticks[-1], left, left + plot_w)
    body = []
    for i, row in enumerate(rows):
        y = top + i * step + step / 2
        strong = row["touchpoint"] == "all"
        label = f"{row['strategy_id']} · {row['touchpoint']}"
        body.append(
            text(0, y + 4, fit(label, left - 10), class_="row-label" + (" strong" * strong))
        )
        if row["uplift"] is None:
            body.append(text(left + 4, y + 4, "no holdout", class_="value"))
            continue
        cls = {True: "sig", False: "nonsig", None: "small"}[row["significant"]]
        value, low, high = float(row["uplift"]), row["low"], row["high"]
        if low is not None and high is not None:
            body.append(
                el(
                    "line",
                    x1=scale(float(low)),
                    x2=scale(float(high)),
                    y1=y,
                    y2=y,
                    class_=f"interval {cls}",
                )
            )
        interval = "" if low is None else f" [{pct(float(low), True)}, {pct(float(high), True)}]"
        detail = (
            f"{label}: {pct(value, True)}{interval}; {row['issued']:,} issued, "
            f"{row['holdout_n']:,} held out"
        )
        body.append(
            mark(
                "circle",
                value,
                detail,
                cx=scale(value),
                cy=y,
                r=4.5 if strong else 3.5,
                data_significance=cls,
            )
        )
        body.append(
            text(left + plot_w + 12, y + 4, f"{pct(value, True)}{interval}", class_="value")
        )
    bottom = top + len(rows) * step
    axis = grid(scale, ticks, top - 4, bottom) + x_axis(
        scale, ticks, bottom + 2, lambda v: pct(v, True), "take-up uplift (treated − holdout)"
    )
    zero = el("line", x1=scale(0), x2=scale(0), y1=top - 4, y2=bottom, class_="zero")
    keys = [
        ("significant (interval excludes 0)", "#0b6e4f"),
        ("not significant", "#7a7a7a"),
        ("too few units to call (< min_arm_size)", "#c2c2c2"),
    ]
    box, height = legend(keys, left, bottom + 44, 500)
    return chart(
        name,
        title,
        800,
        bottom + 50 + height,
        axis + zero + "".join(body) + box,
        "bold rows: the strategy over all its touchpoints",
    )
