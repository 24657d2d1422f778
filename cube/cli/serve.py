"""`cube serve`: run the touchpoint API (api.app) under uvicorn.

The app is built by uvicorn from the factory `api.app:create_app`, so with several
workers each process opens its own store connections from the same settings; each
worker listens on its own SO_REUSEPORT socket (cube.cli.supervisor). Logs are
JSON lines on stderr (one per request, with its request id); uvicorn's own access log
is off because the app logs every request itself.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cube.cli import supervisor
from cube.cli.output import err

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each with its own pool).")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="One of: " + ", ".join(LOG_LEVELS))] = "info",
) -> None:
    """Serve the touchpoint API (/v1, /healthz, /metrics) until interrupted."""
    import uvicorn

    from cube.errors import InputError

    if log_level not in LOG_LEVELS:
        raise InputError(f"--log-level: unknown level '{log_level}' ({', '.join(LOG_LEVELS)})")
    err.print(f"serving the touchpoint API on http://{host}:{port} ({workers} worker(s))")
    options: dict[str, Any] = {
        "app": "api.app:create_app",
        "factory": True,
        "http": "httptools",
        "loop": "uvloop",  # sets TCP_NODELAY: on asyncio's loop a response waited ~40 ms
        "host": host,
        "port": port,
        "access_log": False,
        "log_level": log_level,
        "log_config": log_config(log_level),
    }
    if workers > 1 and supervisor.SUPPORTED:
        raise typer.Exit(supervisor.supervise(workers, options))
    uvicorn.run(**options, workers=workers)


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's dictConfig: every logger (uvicorn's and cube.api) as JSON on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logger = {"handlers": ["json"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.requestlog.JsonFormatter"}},
        "handlers": {"json": handler},
        "loggers": dict.fromkeys(("uvicorn", "uvicorn.error", "cube.api"), logger),
    }
