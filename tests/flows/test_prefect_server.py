"""The pinned dependency range starts a real Prefect server (fastapi >= 0.151 breaks it)."""

from __future__ import annotations

import httpx
import pytest

from tests.flows.conftest import PrefectServer


@pytest.mark.slow
def test_real_prefect_server_starts_and_answers_health(prefect_server: PrefectServer) -> None:
    assert httpx.get(f"{prefect_server.url}/health", timeout=5).status_code == 200
    version = httpx.get(f"{prefect_server.url}/admin/version", timeout=5).json()
    assert version.startswith("3.")
