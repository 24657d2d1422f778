"""Posted outcomes: idempotent, lease-checked, and consistent across touchpoints.

One transaction per batch. Locks are always taken in the same order (the key owner's
name lock, then the guard rows of subscribers whose result may withdraw siblings, in
id order, then orders), so result transactions queue behind each other instead of
deadlocking, and leasers, which only ever SKIP LOCKED, never block them for long.

An acceptance withdraws, in the same transaction, every open or leased sibling: the
same subscriber's orders for the same product or a product excluded by it, on any
touchpoint. opted_out records a consent override and withdraws the subscriber's
orders on that touchpoint at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cube.store.model import LEASED, Principal, ResultAnswer, ResultIn, to_us
from cube.store.queries import ORDER_COLUMNS, SELECT_ORDER_LEASE, in_scope
from cube.store.tx import Tx

# contact_history speaks the data contract's outcomes; invalid_number reached nobody.
HISTORY_OUTCOME = {
    "contacted": "ignored",
    "accepted": "accepted",
    "declined": "declined",
    "no_answer": "no_answer",
    "opted_out": "opted_out",
}
_COL = {name: i for i, name in enumerate((*ORDER_COLUMNS, "lease_token", "lease_expires_us"))}
# Outcomes that withdraw other orders of the subscriber (see `_decide`).
_WITHDRAWING = frozenset({"accepted", "opted_out"})
_STATE_COLUMNS = (("state", "text"), ("state_reason", "text"), ("state_us", "bigint"))
_RESULT_COLUMNS = (
    ("key_owner", "text"),
    ("idempotency_key", "text"),
    ("fingerprint", "text"),
    ("order_id", "text"),
    ("outcome", "text"),
    ("at_us", "bigint"),
    ("answer", "text"),
    ("recorded_us", "bigint"),
)
_HISTORY_COLUMNS = (
    ("contact_id", "text"),
    ("subscriber_id", "bigint"),
    ("campaign_id", "text"),
    ("product_id", "text"),
    ("touchpoint", "text"),
    ("contact_us", "bigint"),
    ("outcome", "text"),
)


@dataclass
class _Batch:
    """What the batch decided, written to the database in a few set-based statements."""

    now_us: int
    recorded: list[tuple[ResultIn, list[Any], ResultAnswer]] = field(default_factory=list)
    withdrawn: dict[str, str] = field(default_factory=dict)  # order id -> reason
    opt_outs: list[tuple[int, str, str, int]] = field(default_factory=list)
    # The locked orders by subscriber, so withdrawing siblings does not scan them all.
    by_subscriber: dict[int, list[list[Any]]] = field(default_factory=dict)


def fingerprint(item: ResultIn) -> str:
    text = json.dumps([item.order_id, item.lease_token, item.outcome, item.at.isoformat()])
    return hashlib.sha256(text.encode()).hexdigest()


def post_results(
    tx: Tx, principal: Principal, items: Sequence[ResultIn], now: dt.datetime
) -> list[ResultAnswer]:
    """Answer every item, in order; see the module docstring for the guarantees."""
    tx.lock_name(f"cube-results:{principal.key_id}")
    answers: list[ResultAnswer | None] = [None] * len(items)
    pending = _replays(tx, principal, items, answers)
    orders = _locked_orders(
        tx,
        [items[i].order_id for i in pending],
        {items[i].order_id for i in pending if items[i].outcome in _WITHDRAWING},
    )
    exclusions = _exclusions(tx, {o[_COL["product_id"]] for o in orders.values()})
    batch = _Batch(now_us=to_us(now))
    for row in orders.values():
        batch.by_subscriber.setdefault(row[_COL["subscriber_id"]], []).append(row)
    firsts: dict[str, int] = {}
    for i in pending:
        item = items[i]
        first = firsts.setdefault(item.idempotency_key, i)
        if first != i:  # the same key twice in one batch: a replay of the first
            same = fingerprint(items[first]) == fingerprint(item)
            answers[i] = answers[first] if same else _conflict(item)
            continue
        answers[i] = _decide(item, principal, orders, exclusions, batch)
    _write(tx, principal, batch)
    return [a for a in answers if a is not None]


def _conflict(item: ResultIn) -> ResultAnswer:
    return ResultAnswer(
        order_id=item.order_id,
        idempotency_key=item.idempotency_key,
        status="conflict",
        detail="idempotency key already used for a different result",
    )


def _replays(
    tx: Tx, principal: Principal, items: Sequence[ResultIn], answers: list[Any]
) -> list[int]:
    """Fill answers of keys already used; return the indexes still to decide."""
    in_sql, in_params = tx.in_list("idempotency_key", [i.idempotency_key for i in items])
    stored = {
        r[0]: (r[1], r[2])
        for r in tx.rows(
            "SELECT idempotency_key, fingerprint, answer FROM results "
            f"WHERE key_owner = ? AND {in_sql}",
            [principal.key_id, *in_params],
        )
    }
    pending = []
    for i, item in enumerate(items):
        if item.idempotency_key not in stored:
            pending.append(i)
            continue
        print_, answer = stored[item.idempotency_key]
        same = print_ == fingerprint(item)
        answers[i] = ResultAnswer.model_validate_json(answer) if same else _conflict(item)
    return pending


def _locked_orders(tx: Tx, order_ids: list[str], withdrawing: set[str]) -> dict[str, list[Any]]:
    """The posted orders, locked, and the open or leased orders of the subscribers of
    those among them (`withdrawing`) whose outcome withdraws siblings.

    Only an outcome that withdraws siblings takes its subscriber's guard row (first, in
    id order, found from the posted ids in one statement): the guard row orders it
    after every hand-out and every other withdrawing result of that subscriber. Any
    other outcome changes its own order only, which its row lock covers; it counts
    against the caps before (a live lease) as after (a contact), and a withdrawal that
    meets it finished re-checks the state as it writes (`_write`) and leaves it.
    Siblings are read, not locked, under the guard row: only a sweep or a load can
    change them meanwhile, and the same re-check covers them. Measured per batch of 500
    (PostgreSQL): locking every posted order's guard row took a statement as long as
    selecting the orders, reading every sibling another; locking the siblings wrote a
    row lock on a page of their own (after a checkpoint, a whole page in the WAL each).
    """
    if not order_ids:
        return {}
    in_sql, in_params = tx.in_list("order_id", order_ids)
    if withdrawing:
        guard_sql, guard_params = tx.in_list("order_id", sorted(withdrawing))
        tx.lock_subscribers_of(
            f"SELECT subscriber_id FROM work_orders WHERE {guard_sql}", guard_params
        )
    rows = tx.rows(
        f"SELECT {SELECT_ORDER_LEASE} FROM work_orders WHERE {in_sql} "
        f"ORDER BY order_id{tx.for_update()}",
        in_params,
    )
    subs = sorted({r[_COL["subscriber_id"]] for r in rows if r[0] in withdrawing})
    if subs:
        sub_sql, sub_params = tx.in_list("subscriber_id", subs)
        rows += tx.rows(
            f"SELECT {SELECT_ORDER_LEASE} FROM work_orders WHERE {sub_sql} "
            f"AND state IN ('open', 'leased') AND NOT ({in_sql})",
            [*sub_params, *in_params],
        )
    return {r[0]: list(r) for r in rows}


def _exclusions(tx: Tx, products: set[str]) -> dict[str, set[str]]:
    in_sql, in_params = tx.in_list("product_id", sorted(products))
    out: dict[str, set[str]] = {}
    for a, b in tx.rows(
        f"SELECT product_id, excluded_product_id FROM product_exclusions WHERE {in_sql}",
        in_params,
    ):
        out.setdefault(a, set()).add(b)
    return out


def _decide(
    item: ResultIn,
    principal: Principal,
    orders: dict[str, list[Any]],
    exclusions: dict[str, set[str]],
    batch: _Batch,
) -> ResultAnswer:
    """Check one item against the (in-memory, locked) orders and record its effects."""
    row = orders.get(item.order_id)

    def answer(status: str, detail: str = "", state: str | None = None) -> ResultAnswer:
        return ResultAnswer(
            order_id=item.order_id,
            idempotency_key=item.idempotency_key,
            status=status,  # type: ignore[arg-type]
            state=state,
            detail=detail,
        )

    if row is None or not in_scope(principal, row[_COL["touchpoint"]], row[_COL["region_path"]]):
        return answer("not_found", "no such order")
    if row[_COL["lease_token"]] != item.lease_token:
        return answer("stale_lease", "lease token is not the order's current lease")
    if row[_COL["state"]] == "withdrawn":
        reason = batch.withdrawn.get(item.order_id, "withdrawn")
        return answer("withdrawn", reason, state="withdrawn")
    if row[_COL["state"]] != LEASED or row[_COL["lease_expires_us"]] <= batch.now_us:
        return answer("stale_lease", "lease has expired or ended")
    row[_COL["state"]] = item.outcome
    result = answer("recorded", state=item.outcome)
    batch.recorded.append((item, row, result))
    if item.outcome == "accepted":
        product = row[_COL["product_id"]]
        _withdraw(
            batch,
            row,
            lambda o: o[_COL["product_id"]] in {product} | exclusions.get(product, set()),
            f"sibling order {item.order_id} accepted",
        )
    elif item.outcome == "opted_out":
        touchpoint = row[_COL["touchpoint"]]
        subscriber = row[_COL["subscriber_id"]]
        batch.opt_outs.append((subscriber, touchpoint, item.order_id, to_us(item.at)))
        _withdraw(
            batch,
            row,
            lambda o: o[_COL["touchpoint"]] == touchpoint,
            f"subscriber opted out on {touchpoint}",
        )
    return result


def _withdraw(batch: _Batch, row: list[Any], match: Any, reason: str) -> None:
    """Withdraw the subscriber's other open or leased orders that `match`."""
    for other in batch.by_subscriber[row[_COL["subscriber_id"]]]:
        if other is not row and other[_COL["state"]] in ("open", LEASED) and match(other):
            other[_COL["state"]] = "withdrawn"
            batch.withdrawn[other[0]] = reason


def _write(tx: Tx, principal: Principal, batch: _Batch) -> None:
    """The batch's effects in a handful of set-based statements."""
    now_us = batch.now_us
    changes = [(item.order_id, item.outcome, None, now_us) for item, _, _ in batch.recorded]
    tx.update_rows("work_orders", "order_id", _STATE_COLUMNS, changes)
    # Siblings were read unlocked: one a sweep or load finished meanwhile stays as it is.
    withdrawals = [
        (order_id, "withdrawn", why, now_us) for order_id, why in batch.withdrawn.items()
    ]
    tx.update_rows(
        "work_orders", "order_id", _STATE_COLUMNS, withdrawals, where="state IN ('open', 'leased')"
    )
    tx.insert_rows(
        "results",
        _RESULT_COLUMNS,
        [
            (
                principal.key_id,
                item.idempotency_key,
                fingerprint(item),
                item.order_id,
                item.outcome,
                to_us(item.at),
                answer.model_dump_json(),
                now_us,
            )
            for item, _, answer in batch.recorded
        ],
    )
    tx.insert_rows(
        "contact_history",
        _HISTORY_COLUMNS,
        [
            (
                item.order_id,
                row[_COL["subscriber_id"]],
                row[_COL["strategy_id"]],
                row[_COL["product_id"]],
                row[_COL["touchpoint"]],
                to_us(item.at),
                HISTORY_OUTCOME[item.outcome],
            )
            for item, row, _ in batch.recorded
            if item.outcome in HISTORY_OUTCOME
        ],
    )
    # Rare, and a batch may name one (subscriber, touchpoint) twice: row by row.
    tx.many(
        "INSERT INTO consent_overrides (subscriber_id, touchpoint, consent, order_id, at_us) "
        "VALUES (?, ?, FALSE, ?, ?) ON CONFLICT (subscriber_id, touchpoint) DO UPDATE SET "
        "consent = FALSE, order_id = excluded.order_id, at_us = excluded.at_us",
        batch.opt_outs,
    )
