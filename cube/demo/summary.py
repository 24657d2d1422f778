"""The demo's closing summary: what was built, what each cycle did, what the learning changed.

`summarise` makes the JSON-ready dict (`cube demo --json`); `render` prints it for a
person. Conversion is per contact (accepted / contacted), ROI is revenue over cost
(the touchpoints' cost per contact) and ROI with commission is revenue over cost plus
the channel commission paid on the sales, all as the evaluation computes them, so the
figures here are the ones in the cycles' reports.
"""

from __future__ import annotations

from typing import Any

from cube.demo.cycle import CycleResult
from cube.demo.runner import DemoResult

TOUCHPOINT_NAMES = {
    "outbound_call": "outbound call",
    "store_popup": "store pop-up",
    "internet": "internet/app",
    "sms": "SMS",
}
# The figures whose move between two cycles the summary reports, with their labels.
CHANGES = (
    ("conversion", "conversion per contact"),
    ("roi", "ROI"),
    ("roi_with_commission", "ROI with commission"),
)


def summarise(result: DemoResult) -> dict[str, Any]:
    """The JSON-ready summary of a demo run."""
    cycles = [_cycle(c) for c in result.cycles]
    baseline = _cycle(result.baseline)
    return {
        "home": str(result.settings.home),
        "snapshot": result.settings.snapshot_date.isoformat(),
        "subscribers": result.subscribers,
        "own_network": result.own_network,
        "other_network": result.subscribers - result.own_network,
        "tags": result.tags,
        "models": result.models,
        "cycles": cycles,
        "baseline": baseline,
        "change": change(cycles[0], cycles[-1]),
        "learning": change(baseline, cycles[-1]),
    }


def _cycle(cycle: CycleResult) -> dict[str, Any]:
    from cube.evaluation.report import REPORT_FILE

    totals = cycle.totals
    return {
        "cycle": cycle.index,
        "run_id": cycle.run_id,
        "run_date": cycle.run_date.isoformat(),
        "orders": cycle.orders,
        "holdout": cycle.holdout,
        "contacted": int(totals.get("contacted") or 0),
        "accepted": int(totals.get("accepted") or 0),
        "conversion": _float(totals.get("conversion")),
        "uplift": _float(totals.get("uplift")),
        "revenue": _float(totals.get("revenue")),
        "cost": _float(totals.get("cost")),
        "roi": _float(totals.get("roi")),
        "commission": _float(totals.get("commission_paid")),
        "roi_with_commission": _float(totals.get("roi_with_commission")),
        "touchpoints": cycle.by_touchpoint,
        "simulation": cycle.simulation["totals"],
        "report": str(cycle.report_dir / REPORT_FILE),
    }


def change(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """How conversion per contact, ROI and ROI with commission moved from `first` to `second`."""
    moved = {}
    for name, _ in CHANGES:
        a, b = first[name], second[name]
        moved[name] = {
            "first": a,
            "second": b,
            "absolute": None if a is None or b is None else b - a,
            "relative": None if not a or b is None else (b - a) / a,
        }
    return moved


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def render(summary: dict[str, Any], out: Any) -> None:
    """Print the summary with `out` (a rich console)."""
    home, snapshot = summary["home"], summary["snapshot"]
    out.print(f"\n[bold]Strategy Cube demo[/bold] in {home}, snapshot {snapshot}")
    out.print(
        f"  subscribers  {summary['subscribers']:,} ({summary['own_network']:,} own-network, "
        f"{summary['other_network']:,} other); {summary['tags']} tags each"
    )
    models = ", ".join(f"{n} {auc:.3f}" for n, auc in summary["models"].items())
    out.print(f"  models       held-out AUC: {models}")
    for cycle in summary["cycles"]:
        _render_cycle(cycle, out)
    _render_cycle(summary["baseline"], out, title="Cycle 2 without learning (counterfactual)")
    out.print("\n[bold]What routing learnt from cycle 1[/bold]")
    out.print("  cycle 2 with the learnt weights against cycle 2 without them (same subscribers,")
    out.print("  same day, same history; only the routing weights differ):")
    _render_change(summary["learning"], out)
    out.print("  cycle 1 to cycle 2 (cycle 2 also works the subscribers cycle 1 did not convert):")
    _render_change(summary["change"], out)
    out.print(
        "\nNext: open a report above in a browser; cube evaluate history; "
        "cube strategies explain <subscriber>; cube store status"
    )


def _render_change(moved: dict[str, Any], out: Any) -> None:
    for name, label in CHANGES:
        out.print(f"    {label:<24} {_change(moved[name], percent=name == 'conversion')}")


def _render_cycle(cycle: dict[str, Any], out: Any, title: str | None = None) -> None:
    title = title or f"Cycle {cycle['cycle']}"
    out.print(f"\n[bold]{title}[/bold]  run {cycle['run_id']} on {cycle['run_date']}")
    out.print(f"  {'touchpoint':<14}{'orders':>9}{'contacted':>11}{'accepted':>10}"
              f"{'revenue':>12}{'cost':>11}")  # fmt: skip
    for row in cycle["touchpoints"]:
        name = TOUCHPOINT_NAMES.get(row["touchpoint"], row["touchpoint"])
        out.print(
            f"  {name:<14}{row['issued']:>9,.0f}{row['contacted']:>11,.0f}{row['accepted']:>10,.0f}"
            f"{row['revenue']:>12,.0f}{row['cost']:>11,.0f}"
        )
    out.print(
        f"  holdout {cycle['holdout']:,}; conversion per contact {_pct(cycle['conversion'])}, "
        f"uplift {_pct(cycle['uplift'])}, ROI {_num(cycle['roi'])} "
        f"({_num(cycle['roi_with_commission'])} with {_money(cycle['commission'])} commission)"
    )
    out.print(f"  report       {cycle['report']}")


def _change(moved: dict[str, Any], *, percent: bool) -> str:
    show = _pct if percent else _num
    text = f"{show(moved['first'])} -> {show(moved['second'])}"
    if moved["relative"] is not None:
        text += f" ({moved['relative']:+.1%})"
    return text


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} CNY"
