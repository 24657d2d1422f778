"""Batch pull: lease orders to a touchpoint, and return expired leases to the queue.

PostgreSQL: candidates are picked with FOR UPDATE SKIP LOCKED and their subscribers'
guard rows with SKIP LOCKED too, so concurrent leasers never wait on each other and
never get the same order; an order whose subscriber is busy in another transaction
is simply left for the next pull. SQLite: BEGIN IMMEDIATE serialises writers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from cube.store.caps import CapGate
from cube.store.model import LEASED, CapPolicy, Lease, Order, Principal, to_us
from cube.store.queries import SELECT_ORDER, region_scope, to_order
from cube.store.tx import Tx

# Expired leases and orders retired per sweep (bounds the work one pull can inherit).
SWEEP_LIMIT = 10_000
# Candidate rounds per pull when caps or busy subscribers reject candidates (round k
# fetches 2**k times what is still wanted).
_ROUNDS = 5


def sweep(tx: Tx, now: dt.datetime, max_attempts: int) -> tuple[int, int]:
    """Return expired leases to the queue (attempts + 1, dead letter at max_attempts) and
    retire expired open orders; returns (leases ended, orders expired)."""
    now_us = to_us(now)
    lock = tx.for_update(skip_locked=True)
    ended = tx.run(
        "UPDATE work_orders SET "
        "state = CASE WHEN expires_us <= ? THEN 'expired' "
        "WHEN attempts + 1 >= ? THEN 'dead_letter' ELSE 'open' END, "
        "state_reason = CASE WHEN expires_us <= ? THEN 'order expired' "
        "WHEN attempts + 1 >= ? THEN 'lease expired without a result ' "
        "|| CAST(attempts + 1 AS TEXT) || ' times' ELSE NULL END, "
        "attempts = attempts + 1, lease_token = NULL, lease_expires_us = NULL, state_us = ? "
        "WHERE order_id IN (SELECT order_id FROM work_orders WHERE state = 'leased' "
        f"AND lease_expires_us <= ? LIMIT ?{lock})",
        [now_us, max_attempts, now_us, max_attempts, now_us, now_us, SWEEP_LIMIT],
    )
    expired = tx.run(
        "UPDATE work_orders SET state = 'expired', state_reason = 'order expired', "
        "state_us = ? WHERE order_id IN (SELECT order_id FROM work_orders "
        f"WHERE state = 'open' AND expires_us <= ? LIMIT ?{lock})",
        [now_us, now_us, SWEEP_LIMIT],
    )
    return ended, expired


def lease(
    tx: Tx,
    principal: Principal,
    touchpoint: str,
    n: int,
    lease_seconds: int,
    now: dt.datetime,
    policy: CapPolicy,
) -> Lease:
    """Hand up to `n` of the best open orders in the key's scope to one caller; none,
    with `quiet_until` set, while the touchpoint is inside its quiet hours."""
    now_us = to_us(now)
    token = secrets.token_hex(16)
    expires = now + dt.timedelta(seconds=lease_seconds)
    quiet_until = policy.quiet_until(touchpoint, now)
    if quiet_until is not None:
        return Lease(
            token=token,
            touchpoint=touchpoint,  # type: ignore[arg-type]
            expires_at=expires,
            orders=(),
            quiet_until=quiet_until,
        )
    chosen: list[tuple[Any, ...]] = []
    seen: list[str] = []
    for round_ in range(_ROUNDS):
        want = n - len(chosen)
        # The first round fetches exactly what is wanted: every candidate is row-locked
        # (a write on PostgreSQL), so over-fetching costs. Later rounds run only when caps
        # or busy subscribers refused candidates; each fetches twice as many as the last,
        # so a queue head of capped orders cannot starve the pull.
        limit = want * 2**round_
        rows = _candidates(tx, principal, touchpoint, now_us, seen, limit=limit)
        seen += [r[0] for r in rows]
        # Mark each round leased at once, so the next round's cap counts include it.
        admitted = _admitted(tx, rows, touchpoint, now, policy)[:want]
        _mark_leased(tx, [r[0] for r in admitted], token, to_us(expires), now_us)
        chosen += admitted
        if len(chosen) >= n or len(rows) < limit:
            break
    orders: tuple[Order, ...] = tuple(to_order(r, state=LEASED) for r in chosen)
    return Lease(token=token, touchpoint=touchpoint, expires_at=expires, orders=orders)  # type: ignore[arg-type]


def _mark_leased(tx: Tx, ids: list[str], token: str, expires_us: int, now_us: int) -> None:
    if not ids:
        return
    in_sql, in_params = tx.in_list("order_id", ids)
    tx.run(
        "UPDATE work_orders SET state = 'leased', lease_token = ?, lease_expires_us = ?, "
        f"state_us = ? WHERE {in_sql}",
        [token, expires_us, now_us, *in_params],
    )


def _candidates(
    tx: Tx, principal: Principal, touchpoint: str, now_us: int, seen: list[str], limit: int
) -> list[tuple[Any, ...]]:
    scope_sql, scope_params = region_scope(tx.pg, principal)
    not_seen, seen_params = ("", [])
    if seen:
        not_in, seen_params = tx.in_list("order_id", seen)
        not_seen = f" AND NOT ({not_in})"
    return tx.rows(
        f"SELECT {SELECT_ORDER} FROM work_orders WHERE touchpoint = ? AND state = 'open' "
        f"AND expires_us > ? AND {scope_sql}{not_seen} ORDER BY score DESC, order_id "
        f"LIMIT ?{tx.for_update(skip_locked=True)}",
        [touchpoint, now_us, *scope_params, *seen_params, limit],
    )


def _admitted(
    tx: Tx, rows: list[tuple[Any, ...]], touchpoint: str, now: dt.datetime, policy: CapPolicy
) -> list[tuple[Any, ...]]:
    """Candidates whose subscriber we could lock and whose caps allow one more contact."""
    subscribers = [int(r[4]) for r in rows]
    held = tx.lock_subscribers(subscribers, skip_locked=True)
    gate = CapGate(tx, policy, sorted(held), touchpoint, now)
    return [r for r in rows if int(r[4]) in held and gate.admit(int(r[4]))]
