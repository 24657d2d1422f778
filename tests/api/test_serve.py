"""`cube serve` (cube/cli/serve.py): uvicorn workers built from the app factory, JSON logs."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx

from cube.settings import Settings
from cube.store import open_store

# Runs the command function exactly as the `cube` CLI would, with its typer options.
_RUN_SERVE = "import typer; from cube.cli.serve import serve; typer.run(serve)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            return httpx.get(f"{url}/healthz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("cube serve did not come up within 60 s")


def test_serve_runs_the_app_factory_on_the_settings_store(settings: Settings) -> None:
    store = open_store(settings)
    store.migrate()
    token = store.create_key("sms gateway", ["sms"], ["P1"]).token
    store.close()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN_SERVE, "--port", str(port), "--workers", "1"],
        env={**os.environ, "CUBE_HOME": str(settings.home)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        assert _wait_healthy(url, proc).json()["status"] == "ok"
        r = httpx.post(
            f"{url}/v1/touchpoints/sms/leases",
            json={"n": 5},
            headers={"X-API-Key": token, "X-Request-ID": "serve-test-1"},
        )
        assert (r.status_code, r.json()["orders"]) == (200, [])
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    [logged] = [e for e in lines if e.get("request_id") == "serve-test-1"]
    assert (logged["route"], logged["status"], logged["logger"]) == (
        "/v1/touchpoints/{touchpoint}/leases",
        200,
        "cube.api",
    )


def _serve(settings: Settings, port: int, workers: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUN_SERVE, "--port", str(port), "--workers", str(workers)],
        env={**os.environ, "CUBE_HOME": str(settings.home)},
        stderr=subprocess.PIPE,
        text=True,
    )


def test_each_worker_listens_on_its_own_socket_and_all_stop_on_sigterm(
    settings: Settings,
) -> None:
    store = open_store(settings)
    store.migrate()
    store.close()
    port = _free_port()
    proc = _serve(settings, port, workers=2)
    try:
        url = f"http://127.0.0.1:{port}"
        assert _wait_healthy(url, proc).status_code == 200
        # Two listening sockets with one process each (a shared socket is one line
        # naming every process that holds it).
        sockets = _listeners(port)
        assert [len(pids) for pids in sockets] == [1, 1]
        assert sockets[0] != sockets[1]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert _listeners(port) == []


def _listeners(port: int) -> list[list[str]]:
    """Per listening socket on the port, the pids holding it (from ss)."""
    out = subprocess.run(
        ["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return [re.findall(r"pid=(\d+)", line) for line in out.splitlines()]


def test_workers_that_cannot_start_stop_the_server_with_exit_1(settings: Settings) -> None:
    store = open_store(settings)
    store.migrate()
    store.close()
    with socket.socket() as taken:  # bound without SO_REUSEPORT: nobody else may bind
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = _serve(settings, taken.getsockname()[1], workers=2)
        _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 1
    assert "a worker exited with 1 while starting; stopping" in stderr
