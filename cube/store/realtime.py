"""Real time: the best open offers for a subscriber present at a touchpoint now.

`offers` is a read: open, unexpired orders of the subscriber on that touchpoint, in
the key's scope, best score first, or nothing when a frequency cap is already
reached or the touchpoint is inside its quiet hours. `record_impression` is the write:
under the subscriber's guard row it checks the quiet hours and caps again and leases
that one order to the caller, so its outcome is posted with the returned lease token
like any batch result, and two touchpoints showing the same subscriber at once cannot
exceed a cap.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from cube.store.caps import CapGate, under_caps_sql
from cube.store.errors import ConflictError, NotFoundError, QuietHoursError
from cube.store.model import LEASED, CapPolicy, Lease, Principal, to_us, zone
from cube.store.queries import SELECT_ORDER, in_scope, region_scope, to_order
from cube.store.tx import Tx

# `+score`: without it SQLite serves the ORDER BY from the queue index and walks every
# open order of the touchpoint (~30 ms a request at 17k orders); this way it seeks the
# subscriber's few orders and sorts them.
# The caps are a condition of the same statement, so an offers request is one round trip.
OFFERS_SQL = (
    f"SELECT {SELECT_ORDER} FROM work_orders WHERE subscriber_id = ? AND touchpoint = ? "
    "AND state = 'open' AND expires_us > ? AND {scope} AND {caps} "
    "ORDER BY +score DESC, order_id LIMIT ?"
)


class CapReachedError(ConflictError):
    """The subscriber has had as many contacts as the caps allow."""


def offers_query(
    pg: bool,
    principal: Principal,
    subscriber_id: int,
    touchpoint: str,
    now: dt.datetime,
    policy: CapPolicy,
    limit: int,
) -> tuple[str, list[Any]] | None:
    """The one statement answering an offers request; None inside quiet hours."""
    if policy.quiet_until(touchpoint, now) is not None:
        return None
    scope_sql, scope_params = region_scope(pg, principal)
    caps_sql, caps_params = under_caps_sql(policy, subscriber_id, touchpoint, now)
    return (
        OFFERS_SQL.format(scope=scope_sql, caps=caps_sql),
        [subscriber_id, touchpoint, to_us(now), *scope_params, *caps_params, limit],
    )


def record_impression(
    tx: Tx,
    principal: Principal,
    order_id: str,
    now: dt.datetime,
    lease_seconds: int,
    policy: CapPolicy,
) -> Lease:
    """The order was shown: lease it to the caller, or refuse if gone, quiet or capped."""
    missing = NotFoundError(f"order '{order_id}' not found")
    found = tx.rows("SELECT subscriber_id FROM work_orders WHERE order_id = ?", [order_id])
    if not found:
        raise missing
    subscriber = int(found[0][0])
    tx.lock_subscribers([subscriber], skip_locked=False)
    rows = tx.rows(
        f"SELECT {SELECT_ORDER} FROM work_orders WHERE order_id = ?{tx.for_update()}",
        [order_id],
    )
    order = to_order(rows[0])
    if not in_scope(principal, order.touchpoint, order.region_path):
        raise missing
    if order.state != "open" or order.expires_at <= now:
        state = "expired" if order.expires_at <= now else order.state
        raise ConflictError(f"order '{order_id}' is no longer open ({state})")
    quiet_until = policy.quiet_until(order.touchpoint, now)
    if quiet_until is not None:
        raise QuietHoursError(quiet_message(policy, order.touchpoint, quiet_until))
    if not CapGate(tx, policy, [subscriber], order.touchpoint, now).allows(subscriber):
        raise CapReachedError(
            f"subscriber {subscriber} has reached the contact cap on {order.touchpoint}"
        )
    token = secrets.token_hex(16)
    expires = now + dt.timedelta(seconds=lease_seconds)
    tx.run(
        "UPDATE work_orders SET state = 'leased', lease_token = ?, lease_expires_us = ?, "
        "state_us = ? WHERE order_id = ?",
        [token, to_us(expires), to_us(now), order_id],
    )
    return Lease(
        token=token,
        touchpoint=order.touchpoint,
        expires_at=expires,
        orders=(order.model_copy(update={"state": LEASED}),),
    )


def quiet_message(policy: CapPolicy, touchpoint: str, until: dt.datetime) -> str:
    """`quiet hours for sms until 2026-11-02T00:00:00+00:00 (08:00 Asia/Shanghai)`."""
    local = until.astimezone(zone(policy.timezone))
    return (
        f"quiet hours for {touchpoint} until {until.isoformat()} ({local:%H:%M} {policy.timezone})"
    )
