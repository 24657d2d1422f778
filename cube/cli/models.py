"""`cube models` commands: the propensity-model registry and retraining.

`list` shows what the score tags are computed with; `train` refits every
catalogue model on the latest published tag snapshot and the raw contact
history. Training does not rewrite the snapshot: the new scores are published
by the next `cube tags build` (which scores with the registry).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from cube.cli.output import JSON_HELP, emit, err, out, stage
from cube.settings import get_settings

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


def _rows(registry: Any) -> list[dict[str, Any]]:
    """The registry as plain rows (what --json prints and the table shows)."""
    return [
        {
            "name": m.name,
            "version": m.version,
            "algorithm": m.algorithm,
            "trained_at": m.trained_at.isoformat(),
            "snapshot_date": m.snapshot_date.isoformat(),
            "auc": m.auc,
            "floor": m.floor,
            "target_categories": list(m.target_categories),
            "networks": list(m.networks),
            "features": list(m.features),
            "rows": m.rows,
            "positives": m.positives,
            "train_rows": m.train_rows,
            "test_rows": m.test_rows,
            "train_positives": m.train_positives,
            "test_positives": m.test_positives,
            "train_seconds": m.train_seconds,
            "path": m.path,
        }
        for m in registry.models
    ]


def _show(rows: list[dict[str, Any]], title: str) -> None:
    """A compact table (fits 80 columns), then each model's version and features."""
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    table.add_column("algo")
    for header in ("AUC", "floor", "rows", "positives", "test"):
        table.add_column(header, justify="right")
    for r in rows:
        table.add_row(
            r["name"],
            r["algorithm"],
            f"{r['auc']:.3f}",
            f"{r['floor']:.2f}",
            f"{r['rows']:,}",
            f"{r['positives']:,} ({r['positives'] / max(r['rows'], 1):.0%})",
            f"{r['test_rows']:,}",
        )
    out.print(table)
    for r in rows:
        out.print(
            f"{r['name']} {r['version']} ({', '.join(r['networks'])}): {', '.join(r['features'])}"
        )


@app.command("list")
def list_models(as_json: JsonOpt = False) -> None:
    """Show the registry: version, training date and snapshot, held-out AUC, data, features."""
    from tags.jobs.train import load_registry

    registry = load_registry(get_settings())
    rows = _rows(registry)
    when = f"{registry.trained_at:%Y-%m-%d %H:%M} UTC"
    title = f"models trained {when} on snapshot {registry.snapshot_date}"
    emit(
        {"trained_at": registry.trained_at.isoformat(), "models": rows},
        as_json,
        lambda: _show(rows, title),
    )


@app.command("train")
def train(as_json: JsonOpt = False) -> None:
    """Refit every model on the latest tag snapshot; replaces the registry only if all pass."""
    from cube.catalogue import Catalogue
    from cube.spark import spark_session
    from tags.jobs.build import load_snapshot, read_inputs
    from tags.jobs.publish import resolve_snapshot
    from tags.jobs.train import train_models

    settings = get_settings()
    catalogue = Catalogue.load()
    with stage("start Spark"):
        spark = spark_session(settings)
    snapshot = resolve_snapshot(settings.dir("warehouse"), None)
    tags_df = load_snapshot(spark, settings.dir("warehouse"), snapshot)
    inputs = read_inputs(spark, settings.dir("raw"))
    with stage(f"train {len(catalogue.models)} models on snapshot {snapshot}") as info:
        registry = train_models(
            spark, tags_df, inputs, catalogue, settings=settings, snapshot_date=snapshot
        )
        info["detail"] = ", ".join(f"{m.name} AUC {m.auc:.3f}" for m in registry.models)
    rows = _rows(registry)
    emit(
        {"trained_at": registry.trained_at.isoformat(), "models": rows},
        as_json,
        lambda: _after_training(rows, snapshot),
    )


def _after_training(rows: list[dict[str, Any]], snapshot: Any) -> None:
    _show(rows, f"trained on snapshot {snapshot}")
    err.print("scores are published by the next `cube tags build` (it scores with the registry)")
