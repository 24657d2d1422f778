"""`cube simulate`: touchpoint systems as real HTTP clients of the API (see docs/simulators.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from cube.cli.output import JSON_HELP, emit, err, out, stage
from cube.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def keys(
    out_file: Annotated[Path, typer.Option("--out", help="Keys file to write (secrets!).")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Create one scoped key per simulated site in the store and write the keys file."""
    from cube.cli.store import open_cli_store
    from cube.simulators.provision import provision

    store = open_cli_store()
    try:
        made = provision(store, get_settings().dir("raw"), out_file)
    finally:
        store.close()
    summary = {
        "keys_file": str(out_file),
        "systems": {
            s.name: {"touchpoint": s.touchpoint, "sites": len(s.sites)} for s in made.systems
        },
    }

    def human() -> None:
        for name, s in summary["systems"].items():
            out.print(f"  {name:<14} {s['touchpoint']:<14} {s['sites']} site keys")
        err.print(f"keys written to {out_file} (owner-only; keep it secret)")

    emit(summary, as_json, human)


@app.command()
def run(
    api: Annotated[str, typer.Option(help="Base URL of the API, e.g. http://127.0.0.1:8000.")],
    keys_file: Annotated[Path, typer.Option("--keys", help="Keys file (cube simulate keys).")],
    run_id: Annotated[
        str | None, typer.Option("--run", help="Match run whose holdout may buy on its own.")
    ] = None,
    hours: Annotated[int, typer.Option(help="Simulated hours in the cycle.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed of every draw.")] = 7,
    misbehave: Annotated[float, typer.Option(help="Share of leases that misbehave.")] = 0.02,
    start: Annotated[
        dt.datetime | None,
        typer.Option(help="Simulated start (UTC); default: the run's issue time, else now."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run the call centre, SMS gateway, store pop-ups and app against the API for a cycle."""
    from cube.simulators.config import SimConfig, load_keys
    from cube.simulators.runner import simulate

    settings = get_settings()
    run_dir = settings.dir("runs") / run_id if run_id else None
    begin = _start(start, run_dir)
    config = SimConfig(seed=seed, hours=hours, misbehave=misbehave, start=begin)
    systems = load_keys(keys_file)
    with stage(f"simulate {hours} h on {len(systems.systems)} systems") as info:
        report = simulate(
            api, systems, config, settings.dir("raw"), settings.dir("truth"), run_dir=run_dir
        )
        info["detail"] = f"{report['totals']['recorded']:,} results recorded"
    emit(report, as_json, lambda: _human(report))


def _start(start: dt.datetime | None, run_dir: Path | None) -> dt.datetime:
    if start is not None:
        return start if start.tzinfo else start.replace(tzinfo=dt.UTC)
    if run_dir is not None:
        from cube.simulators.organic import run_units

        day = run_units(run_dir)[0]
        return dt.datetime(day.year, day.month, day.day, 8, tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def _human(report: dict[str, Any]) -> None:
    shown = ("leased", "recorded", "redelivered", "vanished", "duplicates", "late_refused",
             "offers_asked", "offers_shown")  # fmt: skip
    out.print("  " + "system".ljust(14) + "".join(n.rjust(13) for n in shown))
    for s in report["systems"]:
        out.print(
            "  " + s["system"].ljust(14) + "".join(str(s["counts"][n]).rjust(13) for n in shown)
        )
        accepted = s["outcomes"].get("accepted", 0)
        out.print(f"    outcomes {s['outcomes']}  (accepted {accepted})")
    if "organic" in report:
        o = report["organic"]
        out.print(f"  organic purchases {o['purchases']:,} -> {o['holdings_file']}")
