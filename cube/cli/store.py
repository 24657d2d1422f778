"""`cube store` commands: migrate the work-order store, load match runs, show status."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cube.cli.output import JSON_HELP, emit, err, out, stage
from cube.errors import InputError
from cube.settings import get_settings

if TYPE_CHECKING:
    from cube.store import Principal, Store

app = typer.Typer(no_args_is_help=True)


def open_cli_store(check: bool = True) -> Store:
    """The store CUBE_DATABASE_URL names; `check` refuses an unmigrated schema."""
    from cube.store import open_store

    store = open_store(get_settings())
    if check:
        try:
            store.check_schema()
        except BaseException:
            store.close()
            raise
    return store


def local_admin() -> Principal:
    """The operator at the console: admin reads without an API key."""
    from cube.store import Principal

    return Principal(key_id="local-cli", name="cube CLI", admin=True)


@app.command()
def migrate(as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False) -> None:
    """Create or upgrade the store's schema (safe to run again)."""
    store = open_cli_store(check=False)
    try:
        applied = store.migrate()
        current, latest = store.schema_version()
    finally:
        store.close()
    data = {"applied": applied, "version": current, "latest": latest}
    emit(data, as_json, lambda: out.print(_migrated(applied, current)))


def _migrated(applied: list[int], version: int) -> str:
    if not applied:
        return f"schema already at version {version}"
    return f"applied migration(s) {', '.join(map(str, applied))}; schema at version {version}"


@app.command()
def load(
    run: Annotated[str, typer.Argument(help="Run id (under CUBE_RUNS_DIR) or run directory.")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Load a match run's work orders (idempotent; atomic; supersedes older versions)."""
    from cube.products import load_products

    settings = get_settings()
    run_dir = Path(run) if Path(run).is_dir() else settings.dir("runs") / run
    if not run_dir.is_dir():
        raise InputError(f"run '{run}': no such directory ({run_dir})")
    raw = settings.dir("raw")
    conflicts = load_products(raw).conflicts if (raw / "products").exists() else None
    if conflicts is None:
        err.print(f"note: no products extract under {raw}; product exclusions left as they were")
    store = open_cli_store()
    try:
        with stage(f"load {run_dir.name}") as info:
            report = store.load_run(run_dir, conflicts)
            info["detail"] = f"{report.orders:,} orders"
    finally:
        store.close()

    def human() -> None:
        if not report.loaded:
            out.print(f"run {report.run_id} already loaded ({report.orders:,} orders); no change")
            return
        out.print(
            f"loaded run {report.run_id}: {report.orders:,} orders, "
            f"{report.superseded:,} superseded, "
            f"{report.withdrawn_for_consent:,} withdrawn for consent"
        )

    emit(report.model_dump(mode="json"), as_json, human)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False) -> None:
    """Schema version, loaded runs, orders by touchpoint and state, queue depth."""
    store = open_cli_store(check=False)
    admin = local_admin()
    try:
        current, latest = store.schema_version()
        data = {
            "database": store.backend.name,
            "schema_version": current,
            "latest_version": latest,
            "runs": [r.model_dump(mode="json") for r in store.runs(admin)] if current else [],
            "counts": store.counts(admin) if current else {},
            "queue_depth": store.queue_depth(admin) if current else {},
        }
    finally:
        store.close()

    def human() -> None:
        out.print(f"{data['database']} schema v{current} (latest v{latest})")
        if current < latest:
            out.print("run `cube store migrate` to bring the schema up to date")
        for r in data["runs"]:
            out.print(f"run {r['run_id']:<24} {r['orders']:>10,} orders  loaded {r['loaded_at']}")
        for touchpoint, states in data["counts"].items():
            cells = "  ".join(f"{s}={n:,}" for s, n in states.items())
            depth = data["queue_depth"].get(touchpoint, 0)
            out.print(f"{touchpoint:<14} queue {depth:>10,}  {cells}")

    emit(data, as_json, human)


@app.command()
def export(
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Directory (default: <CUBE_HOME>/feedback).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Write contact history and consent overrides as Parquet for the next match run."""
    directory = out_dir or get_settings().home / "feedback"
    store = open_cli_store()
    try:
        paths = store.export_feedback(directory)
        rows = {
            "contact_history": store.contact_history().num_rows,
            "consent_overrides": store.consent_overrides().num_rows,
        }
    finally:
        store.close()
    data = {name: {"path": str(p), "rows": rows[name]} for name, p in paths.items()}
    emit(
        data,
        as_json,
        lambda: [out.print(f"{n:<18} {d['rows']:>10,} rows  {d['path']}") for n, d in data.items()],
    )
