"""The evaluation report: one self-contained HTML page per evaluated run.

`render` returns the page for `<reports>/evaluation/<run_id>/report.html`: headline
figures, alerts, the charts (funnel and final states per touchpoint, ROI and value,
uplift with intervals, conversion by region, the cube coverage, trends across cycles),
the results table and the routing feedback. No network: CSS is inline and the charts
are inline SVG (cube.evaluation.charts), so the file opens offline, from the API, or
attached to a mail. Every string from data is escaped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cube.evaluation import charts, gridcharts, pagedata
from cube.evaluation.report import REPORT_FILE, records
from cube.evaluation.svg import count, esc, money, pct

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
 color:#1d1d1d;margin:0;background:#fafafa}
main{max-width:1120px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px;
 border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 16px}nav a{margin-right:12px;color:#0b5394}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px}
.card{border:1px solid #e3e3e3;border-radius:6px;padding:8px 10px;background:#fcfcfc}
.card b{display:block;font-size:18px}.card span{color:#555;font-size:12px}
.card small{color:#666}
table{border-collapse:collapse;font-size:12px;margin:6px 0 12px}
.scroll{overflow-x:auto}
th,td{padding:3px 6px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f3f3f3}td.l,th.l{text-align:left}
.sev-critical{color:#b00020;font-weight:600}.sev-warning{color:#a15c00;font-weight:600}
.ok{color:#176f2c}figure{margin:18px 0 26px;overflow-x:auto}
svg.chart{display:block;max-width:100%;height:auto;font-family:inherit}
.chart-title{font-size:15px;font-weight:600;fill:#1d1d1d}.chart-note{font-size:11px;fill:#666}
.chart-empty{font-size:13px;fill:#666}.tick{font-size:11px;fill:#555}
.label{font-size:12px;fill:#333}.axis{stroke:#888}.grid{stroke:#ececec}
.zero{stroke:#444;stroke-dasharray:3 3}.reference{stroke:#D55E00;stroke-dasharray:4 3}
.reference-label{font-size:11px;fill:#D55E00}.value{font-size:11px;fill:#222}
.row-label{font-size:12px;fill:#222}.strong{font-weight:700}.in-bar,.in-cell{font-size:11px}
.legend{font-size:11px;fill:#333}.swatch{stroke:#999;stroke-width:.5}
.panel-title{font-size:12px;font-weight:600;fill:#333}
.group-label{font-size:11px;font-weight:600;fill:#333}.group-rule{stroke:#999}
.col-label{font-size:11px;fill:#444}.trend-line{stroke-width:2}
.interval{stroke-width:2.5}.interval.sig{stroke:#0b6e4f}.interval.nonsig{stroke:#7a7a7a}
.interval.small{stroke:#c2c2c2}circle.mark[data-significance=sig]{fill:#0b6e4f}
circle.mark[data-significance=nonsig]{fill:#7a7a7a}
circle.mark[data-significance=small]{fill:#d4d4d4;stroke:#8a8a8a;stroke-width:1}
footer{color:#666;font-size:12px;margin-top:32px}
"""
SECTIONS = (
    ("headline", "Headline"),
    ("alerts", "Alerts"),
    ("charts", "Charts"),
    ("results", "Results"),
    ("routing", "Routing feedback"),
)


def render(
    summary: dict[str, Any],
    metrics: pd.DataFrame,
    coverage: pd.DataFrame,
    posteriors: pd.DataFrame,
    trends: list[tuple[str, pd.DataFrame]],
) -> str:
    """The whole page as text (UTF-8)."""
    run_id = esc(summary["run_id"])
    nav = "".join(f'<a href="#{key}">{label}</a>' for key, label in SECTIONS)
    body = [
        f"<h1>Evaluation of run {run_id}</h1>",
        f'<p class="meta">{_meta(summary)}</p><nav>{nav}</nav>',
        '<h2 id="headline">Headline</h2>',
        _cards(summary.get("totals")),
        '<h2 id="alerts">Alerts</h2>',
        _alerts(summary.get("alerts") or [], summary.get("webhook")),
        '<h2 id="charts">Charts</h2>',
        *(f"<figure>{svg}</figure>" for svg in figures(metrics, coverage, trends)),
        '<h2 id="results">Results per strategy and touchpoint</h2>',
        _results(summary.get("strategies") or []),
        '<h2 id="routing">Routing feedback</h2>',
        _routing(summary.get("efficiency") or [], posteriors),
        f"<footer>{_footer()}</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Evaluation of run {run_id}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def figures(
    metrics: pd.DataFrame, coverage: pd.DataFrame, trends: list[tuple[str, pd.DataFrame]]
) -> list[str]:
    """Every chart's SVG, in reading order."""
    touchpoints = pagedata.per_touchpoint(metrics)
    level, regions, columns, cells = pagedata.region_cells(metrics)
    cube = pagedata.coverage_cells(coverage)
    cycles, panels = pagedata.trend_series(trends)
    return [
        charts.funnel(touchpoints),
        charts.outcomes(touchpoints),
        charts.roi_value(touchpoints),
        charts.uplift(pagedata.uplift_rows(metrics)),
        gridcharts.heatmap(
            "region-heatmap",
            f"Conversion by {level} and touchpoint",
            "accepted / reached, all strategies; grey: no one reached",
            regions,
            columns,
            cells,
            "conversion",
            lambda v: f"{v:.0%}",
            cell_w=96.0,
        ),
        gridcharts.heatmap(
            "coverage-heatmap",
            "Cube coverage: issued orders per cell",
            "product category x touchpoint by lifecycle stage and value band; grey: white space"
            + ("" if cube["full"] else " (the run's tag snapshot gave no cell: all unknown)"),
            cube["rows"],
            cube["columns"],
            cube["cells"],
            "orders (square-root colour scale)",
            count,
            groups=cube["groups"],
            labels=cube["labels"],
            cell_w=62.0,
            root=True,
        ),
        gridcharts.trends(cycles, panels),
    ]


def _meta(summary: dict[str, Any]) -> str:
    parts = [
        f"period {summary.get('period')}",
        f"run date {summary.get('run_date')}",
        f"conversion window to {summary.get('window_end')}",
        f"as of {summary.get('as_of')}",
        f"evaluated at {summary.get('evaluated_at')}",
    ]
    return esc(" · ".join(str(p) for p in parts))


def _interval(value: Any, low: Any, high: Any, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{pct(value, signed)} {_bounds(low, high, signed)}".rstrip()


def _bounds(low: Any, high: Any, signed: bool = False) -> str:
    return "" if low is None or high is None else f"[{pct(low, signed)}, {pct(high, signed)}]"


def _ratio_or(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _cards(totals: dict[str, Any] | None) -> str:
    if not totals:
        return "<p>No work orders in this run.</p>"
    t = totals
    roi = _ratio_or(t["roi"])
    score = "-" if t["policy_score"] is None else f"{t['policy_score']:.0f}"
    cards = [
        ("issued", count(t["issued"]), ""),
        ("reached", count(t["contacted"]), ""),
        ("accepted", count(t["accepted"]), ""),
        (
            "conversion",
            _pct_or(t["conversion"]),
            "95% " + _bounds(t["conversion_low"], t["conversion_high"]),
        ),
        (
            "uplift over holdout",
            _pct_or(t["uplift"], True),
            "95% " + _bounds(t["uplift_low"], t["uplift_high"], True),
        ),
        ("revenue (CNY)", money(t["revenue"]), ""),
        ("cost (CNY)", money(t["cost"]), ""),
        ("value (CNY)", money(t["value"]), ""),
        ("ROI", roi, "revenue / cost"),
        ("commission (CNY)", money(t["commission_paid"]), "on the sales"),
        (
            "ROI with commission",
            _ratio_or(t["roi_with_commission"]),
            "revenue / (cost + commission)",
        ),
        ("policy score", score, "0-100"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><span>{esc(k)}</span><b>{esc(v)}</b><small>{esc(d)}</small></div>'
            for k, v, d in cards
        )
        + "</div>"
    )


def _pct_or(value: Any, signed: bool = False) -> str:
    return "-" if value is None else pct(value, signed)


def _alerts(alerts: list[dict[str, Any]], webhook: dict[str, Any] | None) -> str:
    hook = f"<p>Webhook: {esc(webhook['status'])}</p>" if webhook else ""
    if not alerts:
        return f'<p class="ok">No alert rule breached.</p>{hook}'
    rows = "".join(
        f'<tr><td class="l sev-{esc(a["severity"])}">{esc(a["severity"])}</td>'
        f'<td class="l">{esc(a["rule"])}</td><td class="l">{esc(a["message"])}</td></tr>'
        for a in alerts
    )
    head = '<tr><th class="l">severity</th><th class="l">rule</th><th class="l">breach</th></tr>'
    return f"<table>{head}{rows}</table>{hook}"


RESULT_COLUMNS = (
    "strategy",
    "touchpoint",
    "issued",
    "reached",
    "accepted",
    "conversion [95%]",
    "uplift [95%]",
    "revenue",
    "cost",
    "value",
    "ROI",
    "policy score",
)


def _results(strategies: list[dict[str, Any]]) -> str:
    if not strategies:
        return "<p>No strategy in this run.</p>"
    head = "".join(
        f'<th class="{"l" if i < 2 else ""}">{esc(c)}</th>' for i, c in enumerate(RESULT_COLUMNS)
    )
    rows = []
    for strategy in strategies:
        overall = (strategy.get("results") or {}) | {"touchpoint": "all"}
        for row in [*strategy.get("touchpoints", []), overall]:
            if "issued" in row:
                rows.append(_result_row(strategy["strategy_id"], row))
    note = "<p>* significant: the uplift's 95% interval excludes 0 (both arms large enough).</p>"
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(rows)}</table></div>{note}'


def _result_row(strategy_id: str, r: dict[str, Any]) -> str:
    cells = [
        count(r["issued"]),
        count(r["contacted"]),
        count(r["accepted"]),
        _interval(r["conversion"], r["conversion_low"], r["conversion_high"]),
        _interval(r["uplift"], r["uplift_low"], r["uplift_high"], True)
        + {True: " *", False: "", None: ""}[r["significant"]],
        money(r["revenue"]),
        money(r["cost"]),
        money(r["value"]),
        _ratio_or(r["roi"]),
        "-" if r["policy_score"] is None else f"{r['policy_score']:.0f}",
    ]
    strong = ' style="font-weight:600"' if r["touchpoint"] == "all" else ""
    return (
        f'<tr{strong}><td class="l">{esc(strategy_id)}</td><td class="l">{esc(r["touchpoint"])}'
        "</td>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"
    )


POSTERIOR_COLUMNS = ("product_category", "touchpoint", "accepted", "issued", "mean", "draw",
                     "cost_per_order", "efficiency", "weight", "p_best")  # fmt: skip


def _routing(weights: list[dict[str, Any]], posteriors: pd.DataFrame) -> str:
    """The Beta posteriors per touchpoint x category and the weights the next match reads
    (the posterior table's `weight`; listed apart only when they are per strategy)."""
    if not weights or posteriors.empty:
        return "<p>No routing weights: nothing was issued in the lookback.</p>"
    out = [
        "<p>Beta posterior of acceptance per issued order, per touchpoint x category; "
        "<code>efficiency</code> = the draw / (contact cost per order) ^ cost_exponent; "
        "<code>weight</code> (efficiency over the category's mean, 1.0 = average) is what "
        "the next <code>cube match</code> multiplies into routing.</p>",
        _table(POSTERIOR_COLUMNS, records(posteriors, POSTERIOR_COLUMNS)),
    ]
    if "strategy_id" in weights[0]:  # an older per-strategy efficiency file
        out += ["<p>Weights per strategy:</p>", _table(tuple(weights[0]), weights)]
    return "".join(out)


def _table(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    head = "".join(f'<th class="{"l" if _text(c) else ""}">{esc(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(_cell(c, r[c]) for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _text(column: str) -> bool:
    return column in ("product_category", "touchpoint", "strategy_id")


def _cell(column: str, value: Any) -> str:
    if _text(column):
        return f'<td class="l">{esc(value)}</td>'
    if column in ("accepted", "issued"):
        return f"<td>{esc(count(value))}</td>"
    return f"<td>{'-' if value is None else f'{value:.3f}'}</td>"


def _footer() -> str:
    files = ", ".join(
        f"<code>{name}</code>"
        for name in (
            "metrics.parquet/.csv",
            "coverage.parquet/.csv",
            "posteriors.parquet/.csv",
            "summary.json",
            REPORT_FILE,
        )
    )
    return f"Written by Strategy Cube beside {files}. Formulas: docs/evaluation.md."
