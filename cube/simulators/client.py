"""An HTTP client of the touchpoint API for one site key, with the politeness a real
integration has: it honours 429 Retry-After and retries 503 and dropped connections a
few times, and tags every request with an X-Request-ID the API logs."""

from __future__ import annotations

import time
from typing import Any

import httpx

from cube.errors import CubeError

RETRIES = 5
MAX_BACKOFF = 1.0


class SimulatorError(CubeError):
    """The API answered something a well-behaved client cannot handle."""


class ApiClient:
    """One site's connection to the API."""

    def __init__(self, base_url: str, token: str, name: str, timeout: float = 30.0) -> None:
        self.name = name
        self._count = 0
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self, method: str, path: str, ok: tuple[int, ...] = (200,), **kw: Any
    ) -> httpx.Response:
        """Send a request; retry 429/503/connection errors; refuse any status not in `ok`."""
        for attempt in range(RETRIES + 1):
            self._count += 1
            headers = {"X-Request-ID": f"{self.name}:{self._count}"}
            try:
                response = self._http.request(method, path, headers=headers, **kw)
            except httpx.TransportError as exc:
                if attempt == RETRIES:
                    raise SimulatorError(f"{self.name}: {method} {path}: {exc}") from None
                time.sleep(min(MAX_BACKOFF, 0.05 * 2**attempt))
                continue
            if response.status_code in ok:
                return response
            if response.status_code in (429, 503) and attempt < RETRIES:
                wait = float(response.headers.get("Retry-After", 0.05 * 2**attempt))
                time.sleep(min(MAX_BACKOFF, wait))
                continue
            raise SimulatorError(
                f"{self.name}: {method} {path} answered {response.status_code}: {response.text}"
            )
        raise AssertionError("unreachable")

    def lease(self, touchpoint: str, n: int, lease_seconds: int) -> dict[str, Any]:
        body = {"n": n, "lease_seconds": lease_seconds}
        return self.call("POST", f"/v1/touchpoints/{touchpoint}/leases", json=body).json()

    def post_results(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Post a batch (<= 1000); 409 (every item a conflict) still carries the answers."""
        return self.call("POST", "/v1/results", ok=(200, 409), json={"results": items}).json()

    def offers(self, subscriber: int, touchpoint: str, limit: int = 3) -> list[dict[str, Any]]:
        params = {"touchpoint": touchpoint, "limit": limit}
        response = self.call("GET", f"/v1/subscribers/{subscriber}/offers", params=params)
        return list(response.json()["offers"])

    def impression(self, order_id: str, lease_seconds: int) -> dict[str, Any] | None:
        """Show an offer: its one-order lease, or None when it is gone or capped (404/409)."""
        body = {"order_id": order_id, "lease_seconds": lease_seconds}
        response = self.call("POST", "/v1/impressions", ok=(200, 404, 409), json=body)
        return response.json() if response.status_code == 200 else None
