"""`cube serve` (cube/cli/serve.py): uvicorn workers built from the app factory, JSON logs."""

from __future__ import annotations

import json
import os
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
