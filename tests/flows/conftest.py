"""Real Prefect servers for the flow tests: `prefect server start` in a subprocess.

Each has its own PREFECT_HOME on a free loopback port. `prefect_server` (SQLite, once
per session) serves the tests that run flows in this process (`prefect_api` points the
client at it). `prefect_pg_server` keeps its database in PostgreSQL, as production does
(a fresh database on 127.0.0.1:5432, dropped afterwards); the served deployments test
starts `cube flows serve` against it in another subprocess.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.store.conftest import PG_SERVER, _pg_admin

# A loaded 2-core machine can take over a minute to start the server.
STARTUP_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class PrefectServer:
    url: str
    """The API URL, e.g. http://127.0.0.1:PORT/api."""
    env: dict[str, str]
    """Environment for subprocesses that talk to this server."""
    home: Path
    database: str
    """The server's PREFECT_API_DATABASE_CONNECTION_URL."""


def wait_healthy(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll /health until it answers 200; fail with the server's log otherwise."""
    deadline = time.monotonic() + STARTUP_SECONDS
    status = None
    while time.monotonic() < deadline and server.poll() is None:
        try:
            status = httpx.get(f"{url}/health", timeout=2).status_code
            if status == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    output = log.read_text()
    assert server.poll() is None, f"prefect server exited:\n{output[-3000:]}"
    raise AssertionError(f"no healthy answer within {STARTUP_SECONDS} s:\n{output[-3000:]}")


def stop(process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(home: Path, database: str) -> Iterator[PrefectServer]:
    """`prefect server start` on a free loopback port over `database`, analytics off."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home / "home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": database,
    }
    prefect = Path(sys.executable).with_name("prefect")
    log_path = home / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_healthy(server, url, log_path)
            client_env = {**env, "PREFECT_API_URL": url}
            client_env.pop("PREFECT_API_DATABASE_CONNECTION_URL")
            yield PrefectServer(url=url, env=client_env, home=home, database=database)
        finally:
            stop(server)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A real Prefect server for the whole session (SQLite database)."""
    home = tmp_path_factory.mktemp("prefect")
    with running_server(home, f"sqlite+aiosqlite:///{home}/prefect.db") as server:
        yield server


@pytest.fixture(scope="module")
def prefect_pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A real Prefect server whose database is PostgreSQL: a fresh database, dropped after.

    Skips (fails in CI) like the store tests when no PostgreSQL answers.
    """
    name = f"prefect_test_{secrets.token_hex(6)}"
    with _pg_admin() as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        database = f"{PG_SERVER.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
        with running_server(tmp_path_factory.mktemp("prefect-pg"), database) as server:
            yield server
    finally:
        with _pg_admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def client_of(server: PrefectServer) -> Iterator[str]:
    """Flows run (and clients made) in this process report to `server`."""
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: server.url}):
        yield server.url
        # Send the run logs now, while the server is up (not at interpreter exit).
        APILogWorker.drain_all(timeout=5)


@pytest.fixture
def prefect_api(prefect_server: PrefectServer) -> Iterator[str]:
    """Flows run in this process report to the real server (not an ephemeral one)."""
    with client_of(prefect_server) as url:
        yield url


@pytest.fixture
def prefect_pg_api(prefect_pg_server: PrefectServer) -> Iterator[str]:
    """As `prefect_api`, against the PostgreSQL-backed server."""
    with client_of(prefect_pg_server) as url:
        yield url


def sync_client() -> Any:
    """A synchronous client of the server PREFECT_API_URL names."""
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def with_subflows(flow_run_id: UUID) -> list[Any]:
    """A flow run and its child flow runs (the cycle's tags, match and evaluation)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with sync_client() as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])
            )
        )
        return [client.read_flow_run(flow_run_id), *children]


def artifacts_of(flow_run_ids: list[UUID]) -> dict[str, Any]:
    """The artifacts the given flow runs (and their tasks) published, by key."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with sync_client() as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=flow_run_ids))
        )
    return {a.key: a for a in found if a.key}


def task_runs_of(flow_run_id: UUID) -> dict[str, Any]:
    """The task runs of a flow run, by task name."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with sync_client() as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return {run.name.rsplit("-", 1)[0]: run for run in runs}


def table_rows(artifact: Any) -> list[dict[str, Any]]:
    """The rows of a table artifact (stored as JSON text)."""
    import json

    data = artifact.data
    return json.loads(data) if isinstance(data, str) else data
