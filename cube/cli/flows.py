"""`cube flows`: the Prefect deployments of the cycle: list, serve, run.

The deployments are defined in flows/deployments.py. `serve` registers them with the
Prefect server PREFECT_API_URL names and executes their runs (scheduled or triggered)
until stopped; `run` triggers one and, by default, waits for its final state.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cube.cli.output import JSON_HELP, emit, err, out
from cube.errors import ConfigError, CubeError

app = typer.Typer(no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


class FlowRunFailed(CubeError):
    """A triggered flow run ended in a state other than Completed."""


def api_url() -> str:
    """The Prefect server the CLI talks to; refuse the throw-away ephemeral one."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise ConfigError(
            "PREFECT_API_URL is not set: start a server (`prefect server start`) and run "
            "`prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api`"
        )
    return str(url)


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`name=value` pairs; a value that parses as JSON is used as such, else as text."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigError(f"--param {pair!r}: expected name=value")
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value
    return params


@app.command(name="list")
def list_(as_json: JsonOpt = False) -> None:
    """The deployments, their schedules and parameter defaults."""
    from flows.deployments import PLANS, SCHEDULE_TIMEZONE

    data = [
        {
            "deployment": p.full_name,
            "cron": p.cron,
            "timezone": SCHEDULE_TIMEZONE if p.cron else None,
            "description": p.description,
            "parameters": {
                name: spec.get("default")
                for name, spec in p.flow.parameters.model_dump()["properties"].items()
            },
        }
        for p in PLANS
    ]

    def human() -> None:
        for row in data:
            when = f"cron '{row['cron']}' {row['timezone']}" if row["cron"] else "on demand"
            out.print(f"{row['deployment']:<22} {when:<28} {row['description']}")

    emit(data, as_json, human)


@app.command()
def serve(
    limit: Annotated[int, typer.Option(min=1, help="Flow runs executed at once.")] = 1,
    paused: Annotated[
        bool, typer.Option("--paused", help="Register the schedules paused (manual runs only).")
    ] = False,
) -> None:
    """Register the deployments and execute their runs until interrupted (Ctrl-C)."""
    from flows.deployments import serve as serve_deployments

    err.print(f"serving the cube's deployments on {api_url()} (Ctrl-C stops)")
    serve_deployments(limit=limit, paused=paused)


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="Deployment (flow/deployment) or flow name.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Parameter override name=value.")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait for the run's final state.")
    ] = True,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait at most (default: no limit).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Trigger a deployment's run (served by `cube flows serve`), by default until it ends."""
    from prefect.deployments import run_deployment

    from flows.deployments import plan

    api_url()
    target = plan(name)
    flow_run = run_deployment(
        target.full_name,
        parameters=parse_params(param or []),
        timeout=timeout if wait else 0,
        as_subflow=False,
    )
    state = flow_run.state
    data = {
        "deployment": target.full_name,
        "flow_run_id": str(flow_run.id),
        "flow_run_name": flow_run.name,
        "state": state.type.value if state else None,
        "message": state.message if state else None,
    }
    if wait and (state is None or not state.is_completed()):
        final = state is not None and state.is_final()
        raise FlowRunFailed(
            f"flow run {data['flow_run_name']} ({data['flow_run_id']}) "
            + (f"ended {data['state']}" if final else f"still {data['state']} after {timeout}s")
            + (f": {data['message']}" if data["message"] else "")
        )
    emit(data, as_json, lambda: out.print(f"{data['flow_run_name']}: {data['state']}"))
