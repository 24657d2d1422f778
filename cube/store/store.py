"""The work-order store: one interface over SQLite and PostgreSQL.

The HTTP API is a thin layer over `Store`. Every operation a touchpoint calls takes
the caller's `Principal` and never reaches outside its touchpoints and region
prefixes; an order out of scope behaves exactly like a missing one. Time comes from
an injected clock so tests can move it without sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.contract import TOUCHPOINTS
from cube.errors import InputError
from cube.products import ConflictGraph
from cube.store import admin, keys, leasing, loading, realtime, results, schema
from cube.store.backend import Backend, open_backend
from cube.store.errors import ForbiddenError, NotFoundError, StoreError
from cube.store.model import (
    CapPolicy,
    Lease,
    LoadReport,
    Order,
    Principal,
    ResultAnswer,
    ResultIn,
    RunInfo,
)
from cube.store.queries import SELECT_ORDER, in_scope, to_order

if TYPE_CHECKING:
    import pyarrow as pa

    from cube.settings import Settings

Clock = Callable[[], dt.datetime]

# Hard caps on what one call may ask for (the API answers 422 beyond them).
MAX_LEASE_BATCH = 1000
MAX_RESULTS_BATCH = 1000
MAX_OFFERS = 50
MAX_LEASE_SECONDS = 86_400


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """Work orders, leases, results, caps, consent overrides and API keys."""

    def __init__(
        self,
        backend: Backend,
        *,
        clock: Clock = utc_now,
        caps: CapPolicy | None = None,
        max_attempts: int = 3,
        lease_seconds: int = 300,
        key_cache_seconds: float = 0.0,
    ) -> None:
        self.backend = backend
        self.clock = clock
        self.caps = caps or CapPolicy()
        self.max_attempts = max_attempts
        self.lease_seconds = lease_seconds
        self.key_cache = keys.KeyCache(key_cache_seconds)

    # -- schema and loading -------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply pending schema migrations (idempotent); returns the versions applied."""
        return schema.migrate(self.backend)

    def schema_version(self) -> tuple[int, int]:
        """(current, latest) schema version."""
        current = self.backend.transact(schema.current_version)
        return current, schema.latest_version(self.backend)

    def check_schema(self) -> None:
        """Refuse to work on a schema older (or newer) than this code's."""
        current, latest = self.schema_version()
        if current != latest:
            raise StoreError(
                f"store schema is at version {current}, this cube needs {latest}: "
                "run `cube store migrate`"
            )

    def load_run(self, run_dir: Path, conflicts: ConflictGraph | None = None) -> LoadReport:
        """Load a match run (cube.runs layout); see cube.store.loading."""
        return loading.load_run(self.backend, run_dir, self.clock(), conflicts)

    # -- touchpoint operations ------------------------------------------------------------

    def lease(
        self, principal: Principal, touchpoint: str, n: int, lease_seconds: int | None = None
    ) -> Lease:
        """Lease up to `n` open orders of `touchpoint` in the key's regions.

        Inside the touchpoint's quiet hours nothing is leased: the lease is empty and
        its `quiet_until` says when they end (expired leases are still swept)."""
        self._check_touchpoint(principal, touchpoint)
        _check_range("n", n, 1, MAX_LEASE_BATCH)
        seconds = self._lease_seconds(lease_seconds)
        now = self.clock()

        def run(tx: Any) -> Lease:
            leasing.sweep(tx, now, self.max_attempts)
            return leasing.lease(tx, principal, touchpoint, n, seconds, now, self.caps)

        return self.backend.transact(run)

    def post_results(self, principal: Principal, items: Sequence[ResultIn]) -> list[ResultAnswer]:
        """Record a batch of outcomes; one answer per item, in order."""
        _check_range("results", len(items), 1, MAX_RESULTS_BATCH)
        now = self.clock()
        return self.backend.transact(lambda tx: results.post_results(tx, principal, items, now))

    def offers(
        self, principal: Principal, subscriber_id: int, touchpoint: str, limit: int = 5
    ) -> list[Order]:
        """The best open offers for a subscriber at this touchpoint now, ranked; none
        when a cap is reached or the touchpoint is inside its quiet hours."""
        query = self._offers_query(principal, subscriber_id, touchpoint, limit)
        if query is None:
            return []
        rows = self.backend.transact(lambda tx: tx.rows(*query), write=False)
        return [to_order(r) for r in rows]

    async def offers_async(
        self, principal: Principal, subscriber_id: int, touchpoint: str, limit: int = 5
    ) -> list[Order]:
        """`offers` for async callers: one statement, on the event loop on PostgreSQL."""
        query = self._offers_query(principal, subscriber_id, touchpoint, limit)
        if query is None:
            return []
        return [to_order(r) for r in await self.backend.read_rows(*query)]

    def _offers_query(
        self, principal: Principal, subscriber_id: int, touchpoint: str, limit: int
    ) -> tuple[str, list[Any]] | None:
        self._check_touchpoint(principal, touchpoint)
        _check_range("limit", limit, 1, MAX_OFFERS)
        pg = self.backend.name == "postgresql"
        return realtime.offers_query(
            pg, principal, subscriber_id, touchpoint, self.clock(), self.caps, limit
        )

    def record_impression(
        self, principal: Principal, order_id: str, lease_seconds: int | None = None
    ) -> Lease:
        """An offer was shown: lease it to the caller so its outcome can be posted.

        QuietHoursError (a ConflictError) when its touchpoint is inside its quiet hours."""
        seconds = self._lease_seconds(lease_seconds)
        now = self.clock()
        return self.backend.transact(
            lambda tx: realtime.record_impression(tx, principal, order_id, now, seconds, self.caps)
        )

    def get_order(self, principal: Principal, order_id: str) -> Order:
        """One order in the key's scope; NotFoundError otherwise (missing or not yours)."""
        rows = self.backend.transact(
            lambda tx: tx.rows(
                f"SELECT {SELECT_ORDER} FROM work_orders WHERE order_id = ?", [order_id]
            ),
            write=False,
        )
        if not rows or not in_scope(principal, rows[0][7], rows[0][5]):
            raise NotFoundError(f"order '{order_id}' not found")
        return to_order(rows[0])

    def sweep(self) -> tuple[int, int]:
        """End expired leases and retire expired orders now: (leases ended, orders expired)."""
        now = self.clock()
        return self.backend.transact(lambda tx: leasing.sweep(tx, now, self.max_attempts))

    # -- admin reads ------------------------------------------------------------------------

    def runs(self, principal: Principal) -> list[RunInfo]:
        _require_admin(principal)
        return admin.runs(self.backend)

    def strategies(self, principal: Principal) -> list[dict[str, Any]]:
        _require_admin(principal)
        return admin.strategies(self.backend)

    def counts(self, principal: Principal) -> dict[str, dict[str, int]]:
        """Orders by touchpoint and state."""
        _require_admin(principal)
        return admin.counts(self.backend)

    def queue_depth(self, principal: Principal) -> dict[str, int]:
        _require_admin(principal)
        return admin.queue_depth(self.backend, self.clock())

    def run_orders(self, run_id: str) -> list[tuple[str, str, int, int]]:
        """(order_id, state, attempts, expires_us) of the run's orders: what the evaluation
        reads (no principal: in-process readers only, the API never exposes it)."""
        return admin.run_orders(self.backend, run_id)

    # -- what the next match run reads --------------------------------------------------------

    def contact_history(self, since: dt.datetime | None = None) -> pa.Table:
        return admin.contact_history(self.backend, since)

    def consent_overrides(self) -> pa.Table:
        return admin.consent_overrides(self.backend)

    def export_feedback(self, directory: Path) -> dict[str, Path]:
        """Write contact_history.parquet and consent_overrides.parquet (atomically)."""
        return {
            "contact_history": admin.write_parquet(
                self.contact_history(), directory / "contact_history.parquet"
            ),
            "consent_overrides": admin.write_parquet(
                self.consent_overrides(), directory / "consent_overrides.parquet"
            ),
        }

    # -- API keys -------------------------------------------------------------------------------

    def create_key(
        self, name: str, touchpoints: list[str], regions: list[str], admin_scope: bool = False
    ) -> keys.NewKey:
        try:
            return keys.create_key(
                self.backend, name, touchpoints, regions, admin_scope, self.clock()
            )
        except ValueError as exc:
            raise InputError(str(exc)) from exc

    def list_keys(self) -> list[keys.KeyInfo]:
        return keys.list_keys(self.backend)

    def revoke_key(self, key_id: str) -> keys.KeyInfo:
        info = keys.revoke_key(self.backend, key_id, self.clock())
        self.key_cache.forget(key_id)
        return info

    def authenticate(self, token: str | None) -> Principal:
        """The key's principal; AuthError for none, bad or revoked (see KeyCache)."""
        principal = self.key_cache.get(token)
        if principal is None:
            principal = keys.authenticate(self.backend, token)
            self.key_cache.put(token, principal)
        return principal

    async def authenticate_async(self, token: str | None) -> Principal:
        """`authenticate` for async callers: on PostgreSQL it stays on the event loop."""
        principal = self.key_cache.get(token)
        if principal is None:
            principal = await keys.authenticate_async(self.backend, token)
            self.key_cache.put(token, principal)
        return principal

    def close(self) -> None:
        self.backend.close()

    # -- checks -----------------------------------------------------------------------------------

    def _lease_seconds(self, seconds: int | None) -> int:
        value = self.lease_seconds if seconds is None else seconds
        _check_range("lease_seconds", value, 1, MAX_LEASE_SECONDS)
        return value

    @staticmethod
    def _check_touchpoint(principal: Principal, touchpoint: str) -> None:
        if touchpoint not in TOUCHPOINTS:
            raise InputError(
                f"touchpoint: unknown touchpoint '{touchpoint}' (known: {', '.join(TOUCHPOINTS)})"
            )
        if touchpoint not in principal.touchpoints:
            raise ForbiddenError(f"key '{principal.key_id}' may not serve {touchpoint}")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InputError(f"{name}: must be between {low} and {high}, got {value}")


def _require_admin(principal: Principal) -> None:
    if not principal.admin:
        raise ForbiddenError(f"key '{principal.key_id}' has no admin scope")


def open_store(settings: Settings, **options: Any) -> Store:
    """The store the settings' database_url names (options go to Store)."""
    assert settings.database_url is not None
    return Store(open_backend(settings.database_url), **options)
