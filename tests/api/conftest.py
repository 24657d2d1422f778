"""API fixtures: the real app served by uvicorn on a free loopback port, on SQLite and on
PostgreSQL (the store tests' `database_url`), with keys of every scope the tests need.

The server runs in a background thread of the test process so tests can move the
store's fake clock; clients talk to it over real HTTP with httpx.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from api.app import create_app
from api.inprocess import serving
from api.limits import ApiLimits
from cube.store import Cap, CapPolicy, Store
from cube.store.backend import open_backend
from tests.store.builder import write_run
from tests.store.conftest import NOW, FakeClock, database_url, pg_database  # noqa: F401

# name -> (touchpoints, region prefixes, admin)
KEYS: dict[str, tuple[list[str], list[str], bool]] = {
    "call": (["outbound_call"], ["P1"], False),
    "call_p2": (["outbound_call"], ["P2"], False),
    "sms": (["sms"], ["P1"], False),
    "popup": (["store_popup", "internet"], ["P1"], False),
    "admin": ([], [], True),
}
UNLIMITED = ApiLimits(rate_per_second=0)
T = TypeVar("T")


def together(*calls: Callable[[], T]) -> list[T]:
    """Run the calls in threads released at the same instant; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@dataclass
class Api:
    """A served app, its store and clock, and a token per key name."""

    url: str
    store: Store
    clock: FakeClock
    runs_dir: Path
    tokens: dict[str, str]
    key_ids: dict[str, str]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, key: str | None = None, header: str = "bearer") -> httpx.Client:
        """An HTTP client authenticating as `key` (Bearer, or X-API-Key with header='x-api-key')."""
        headers = {}
        if key is not None:
            token = self.tokens[key]
            if header == "bearer":
                headers["Authorization"] = f"Bearer {token}"
            else:
                headers["X-API-Key"] = token
        c = httpx.Client(base_url=self.url, headers=headers, timeout=60)
        self.clients.append(c)
        return c

    def load(self, run_id: str, rows: list[dict[str, Any]]) -> None:
        self.store.load_run(write_run(self.runs_dir, run_id, [rows]))


@contextmanager
def running_api(
    url: str, tmp_path: Path, caps: CapPolicy | None = None, limits: ApiLimits = UNLIMITED
) -> Iterator[Api]:
    """A migrated store on a fake clock, with the KEYS, served."""
    clock = FakeClock(NOW)
    store = Store(open_backend(url), clock=clock, caps=caps, max_attempts=3)
    store.migrate()
    made = {name: store.create_key(name, *scope) for name, scope in KEYS.items()}
    tokens = {name: k.token for name, k in made.items()}
    key_ids = {name: k.info.key_id for name, k in made.items()}
    try:
        with serving(create_app(store=store, limits=limits)) as base:
            api = Api(base, store, clock, tmp_path / "runs", tokens, key_ids)
            try:
                yield api
            finally:
                for c in api.clients:
                    c.close()
    finally:
        store.close()


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:  # noqa: F811
    """The app on a fresh store: no caps, no rate limit, K=3 attempts."""
    with running_api(database_url, tmp_path) as served:
        yield served


@pytest.fixture
def capped_api(database_url: str, tmp_path: Path) -> Iterator[Api]:  # noqa: F811
    """The app allowing one contact per subscriber per 7 days across touchpoints."""
    caps = CapPolicy(total=Cap(limit=1, window_days=7))
    with running_api(database_url, tmp_path, caps=caps) as served:
        yield served


@pytest.fixture
def make_api(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Api]]:  # noqa: F811
    """Build an app with chosen limits (one per test)."""
    stack: list[Any] = []

    def make(limits: ApiLimits) -> Api:
        cm = running_api(database_url, tmp_path, limits=limits)
        stack.append(cm)
        return cm.__enter__()

    yield make
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
