"""`cube match` and the matching commands under `cube strategies`: forecast, coverage, explain.

`match` writes a run (cube/runs.py); the others run the same matching computation
in memory and write nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cube.cli.output import JSON_HELP, emit, out, ratio, stage
from cube.errors import ConfigError
from cube.settings import Settings, get_settings

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
DateOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--date", formats=["%Y-%m-%d"], help="Run date (default: CUBE_SNAPSHOT_DATE, else today)."
    ),
]
RegionOpt = Annotated[
    str | None,
    typer.Option("--region", help="Region path, e.g. P1.C03: only the subscribers under it."),
]


def _run_date(date: dt.datetime | None, settings: Settings) -> dt.date:
    return date.date() if date else settings.snapshot_date


def _strategies(settings: Settings, paths: list[Path] | None = None) -> list[Any]:
    from cube.products import load_products
    from cube.strategy.check import compile_strategies

    products = load_products(settings.dir("raw"))
    return compile_strategies(paths, settings=settings, products=products)


def _spark(settings: Settings) -> Any:
    from cube.spark import spark_session

    with stage("start spark"):
        return spark_session(settings)


def match(date: DateOpt = None, region: RegionOpt = None, as_json: JsonOpt = False) -> None:
    """Match every active strategy in one pass and write a run of work orders."""
    from cube.matching.engine import run_match
    from cube.matching.region import check_region

    settings = get_settings()
    run_date = _run_date(date, settings)
    if region is not None:
        check_region(region, settings.dir("raw"))  # before the strategies and Spark
    with stage("check strategies") as info:
        strategies = _strategies(settings)
        info["detail"] = f"{len(strategies)} strategies"
    summary = run_match(
        _spark(settings), settings, strategies, run_date=run_date, region=region, on_stage=stage
    )
    data = {
        "path": str(summary.path),
        "region": region,
        **summary.manifest.model_dump(mode="json"),
    }
    emit(data, as_json, lambda: _show_run(data))


def _show_run(data: dict[str, Any]) -> None:
    where = f", region {data['region']}" if data["region"] else ""
    out.print(
        f"run {data['run_id']} (period {data['period']}, tags {data['snapshot_date']}{where})"
    )
    for ref in data["strategies"]:
        out.print(f"  strategy {ref['id']} v{ref['version']}")
    for name, rows in data["counts"].items():
        out.print(f"  {name:<12} {rows:>10,}")
    out.print(f"  written to {data['path']}")


def _in_memory(settings: Settings, strategies: list[Any], run_date: dt.date, region: str | None):
    """Plan, inputs and candidates of a match that writes nothing."""
    from cube.matching.engine import candidates, make_plan, read_inputs
    from cube.matching.region import check_region

    if region is not None:
        check_region(region, settings.dir("raw"))  # before Spark starts
    plan = make_plan(settings, strategies, run_date)
    spark = _spark(settings)
    with stage("match in memory"):
        inputs = read_inputs(spark, settings, region=region)
        return plan, inputs, candidates(inputs, plan, carry=("lifecycle_stage", "value_band"))


def forecast(
    file: Annotated[Path, typer.Argument(help="Strategy file to forecast.", exists=False)],
    region: RegionOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forecast a strategy before launch: audience, orders, acceptances, revenue, cost, ROI."""
    from cube.matching.forecast import forecast_strategy
    from cube.matching.plan import is_active

    settings = get_settings()
    run_date = _run_date(date, settings)
    [target] = _strategies(settings, [file])
    others = [s for s in _strategies(settings) if s.id != target.id and is_active(s, run_date)]
    plan, _, found = _in_memory(settings, [target, *others], run_date, region)
    data = {"region": region, "run_date": run_date.isoformat()} | forecast_strategy(
        found, plan, target.id
    )
    emit(data, as_json, lambda: _show_forecast(data))


def _show_forecast(data: dict[str, Any]) -> None:
    where = data["region"] or "all regions"
    out.print(f"forecast of {data['strategy_id']} on {where}, {data['run_date']}")
    out.print(f"  audience {data['audience']:,} subscribers")
    table = Table(title_justify="left")
    headers = ("touchpoint", "orders", "acceptances", "revenue", "cost", "ROI", "commission",
               "ROI with commission")  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header == "touchpoint" else "right")
    total = data["total"] | {"touchpoint": "total"}
    for row in [*data["touchpoints"], total]:
        table.add_row(
            row["touchpoint"],
            f"{row['orders']:,}",
            f"{row['acceptances']:,.1f}",
            f"{row['revenue']:,.0f}",
            f"{row['cost']:,.0f}",
            ratio(row["roi"]),
            f"{row['commission']:,.0f}",
            ratio(row["roi_with_commission"]),
        )
    out.print(table)
    for use in data["capacity"]:
        out.print(
            f"  capacity {use['touchpoint']} {use['city_id']}: {use['orders']:,} of "
            f"{use['capacity']:,} ({use['all_orders']:,} with the active strategies)"
        )


def coverage(date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """The strategy cube's coverage: share reached, orders per cell, and the white space."""
    from cube.matching.forecast import coverage as cube_coverage
    from cube.matching.plan import is_active

    settings = get_settings()
    run_date = _run_date(date, settings)
    active = [s for s in _strategies(settings) if is_active(s, run_date)]
    _, inputs, found = _in_memory(settings, active, run_date, None)
    data = {"run_date": run_date.isoformat()} | cube_coverage(inputs.tags, found)
    emit(data, as_json, lambda: _show_coverage(data))


def _show_coverage(data: dict[str, Any]) -> None:
    out.print(
        f"{data['reached']:,} of {data['subscribers']:,} subscribers reached "
        f"({data['share_reached']:.1%}) on {data['run_date']}"
    )
    table = Table(title="lifecycle x value band", title_justify="left")
    for header in ("lifecycle", "value band", "subscribers", "reached", "share"):
        table.add_column(header)
    for seg in data["segments"]:
        table.add_row(
            seg["lifecycle_stage"],
            seg["value_band"],
            f"{seg['subscribers']:,}",
            f"{seg['reached']:,}",
            f"{seg['share']:.1%}",
        )
    out.print(table)
    pairs = data["white_space"]["category_touchpoint"]
    out.print("white space (category x touchpoint with no order):")
    for pair in pairs:
        out.print(f"  {pair['product_category']} x {pair['touchpoint']}")


def explain(
    subscriber: Annotated[int, typer.Argument(help="Subscriber id.")],
    strategy: Annotated[
        str | None, typer.Option("--strategy", help="Only this strategy id.")
    ] = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Each strategy's verdict for one subscriber: the stage that dropped it, or its order."""
    from cube.matching.explain import explain_subscriber
    from cube.matching.plan import is_active

    settings = get_settings()
    run_date = _run_date(date, settings)
    every = _strategies(settings)
    active = [s for s in every if is_active(s, run_date)]
    if strategy is not None and strategy not in {s.id for s in every}:
        raise ConfigError(f"unknown strategy '{strategy}'")
    plan, inputs, found = _in_memory(settings, active, run_date, None)
    data = explain_subscriber(inputs.tags, found, plan, subscriber, holdings=inputs.holdings)
    inactive = [s.id for s in every if s not in active]
    data["inactive"] = sorted(inactive)
    if strategy is not None:
        data["strategies"] = [v for v in data["strategies"] if v["strategy_id"] == strategy]
        if strategy in inactive:
            data["strategies"] = [
                {"strategy_id": strategy, "verdict": "dropped", "stage": "inactive"}
            ]
    emit(data, as_json, lambda: _show_explain(data))


def _show_explain(data: dict[str, Any]) -> None:
    out.print(
        f"subscriber {data['subscriber_id']} ({data['network']}, {data['region_path']}) "
        f"on {data['run_date']}"
    )
    for v in data["strategies"]:
        if v["verdict"] == "order":
            o = v["order"]
            out.print(
                f"  {v['strategy_id']}: ORDER {o['product_id']} via {o['touchpoint']} "
                f"score {o['score']:.2f} = propensity {o['propensity']:.3f} "
                f"({o['propensity_source']}) x value {o['value']:.0f} x lever {o['lever']:.2f} "
                f"x routing {o['routing_weight']:.2f}"
            )
            continue
        why = v.get("clause") or v.get("reason") or ""
        value = f" (is {v['value']!r})" if "clause" in v else ""
        out.print(f"  {v['strategy_id']}: dropped at {v['stage']}: {why}{value}")
