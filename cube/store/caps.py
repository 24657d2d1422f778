"""Frequency caps at hand-out time, safe under concurrency.

A contact counts against a cap from the moment an order is handed out (a live lease
or impression) until its lease ends; a posted result turns it into a row of
contact_history, which counts for the cap's rolling window. The caller must hold the
subscribers' guard rows (`Tx.lock_subscribers`) while it counts and hands out, so
two touchpoints racing for the same subscriber are serialised and cannot both pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cube.store.model import Cap, CapPolicy, QuietWindow, to_us
from cube.store.tx import Tx

_DAY_US = 86_400 * 1_000_000


# How the caps say "in the window" and "leased": plain, or (`_contacts` on PostgreSQL)
# so that only the by-subscriber indexes can serve them. The planner's
# statistics of these tables are the load's, or none: on a server without autovacuum
# nothing refreshes them. Given a batch and `contact_us > ?` it scanned the whole
# contact history through its time index (the window holds all of it); given
# `state = 'leased'`, the whole lease index, which it believes nearly empty and which
# keeps an entry for every lease since the last vacuum. Both grew with every result:
# the two counts took 44-62 ms a lease of 500 after 250k results.
_PLAIN = ("contact_us > ?", "state = 'leased'")
_HIDDEN = ("contact_us + 0 > ?", "state IN ('open', 'leased') AND state <> 'open'")


def _window(subject_sql: str, touchpoint: str | None) -> str:
    """Subscriber ids, one row per contact inside a cap's window: contact history after
    a time, then live leases (they count from hand-out until their result). Parameters:
    the subject's, the touchpoint (when given), the window start; again, then now."""
    tp_sql = " AND touchpoint = ?" if touchpoint else ""
    after, leased = _PLAIN
    return (
        f"SELECT subscriber_id FROM contact_history WHERE {subject_sql}{tp_sql} "
        f"AND {after} UNION ALL SELECT subscriber_id FROM work_orders "
        f"WHERE {subject_sql}{tp_sql} AND {leased} AND lease_expires_us > ?"
    )


def _window_params(subject: list[Any], touchpoint: str | None, cap: Cap, now_us: int) -> list[Any]:
    tp = [touchpoint] if touchpoint else []
    return [*subject, *tp, now_us - cap.window_days * _DAY_US, *subject, *tp, now_us]


def contacts_sql(in_sql: str, pg: bool) -> str:
    """Subscriber, touchpoint and contact time (NULL for a live lease) of the contacts
    of the subscribers `in_sql` names since a time, and of their live leases.
    Parameters: the subjects', the time; the subjects' again, now."""
    after, leased = _HIDDEN if pg else _PLAIN
    return (
        f"SELECT subscriber_id, touchpoint, contact_us FROM contact_history WHERE {in_sql} "
        f"AND {after} UNION ALL SELECT subscriber_id, touchpoint, NULL FROM work_orders "
        f"WHERE {in_sql} AND {leased} AND lease_expires_us > ?"
    )


def _contacts(
    tx: Tx, ids: Sequence[int], since_us: int, now_us: int
) -> list[tuple[int, str, int | None]]:
    """What both caps of a batch count, in one pass over the by-subscriber indexes."""
    in_sql, in_params = tx.in_list("subscriber_id", ids)
    rows = tx.rows(contacts_sql(in_sql, tx.pg), [*in_params, since_us, *in_params, now_us])
    return [(int(r[0]), str(r[1]), None if r[2] is None else int(r[2])) for r in rows]


def under_caps_sql(
    policy: CapPolicy, subscriber_id: int, touchpoint: str, now: dt.datetime
) -> tuple[str, list[Any]]:
    """A SQL condition, true while one more contact of the subscriber on `touchpoint`
    fits every cap: the read-only twin of CapGate.allows, for a query that must answer
    in one round trip (real-time offers). Uncorrelated, so it is evaluated once."""
    now_us = to_us(now)
    parts, params = ["1 = 1"], []
    caps = ((touchpoint, policy.touchpoints.get(touchpoint)), (None, policy.total))  # type: ignore[call-overload]
    for scope, cap in caps:
        if cap is not None:
            parts.append(f"(SELECT COUNT(*) FROM ({_window('subscriber_id = ?', scope)}) u) < ?")
            params += [*_window_params([subscriber_id], scope, cap, now_us), cap.limit]
    return " AND ".join(parts), params


class CapGate:
    """Counts for a set of subscribers on one touchpoint; `admit` spends one contact."""

    def __init__(
        self, tx: Tx, policy: CapPolicy, ids: Sequence[int], touchpoint: str, now: dt.datetime
    ) -> None:
        now_us = to_us(now)
        caps = [(touchpoint, policy.touchpoints.get(touchpoint)), (None, policy.total)]  # type: ignore[call-overload]
        active = [(scope, cap) for scope, cap in caps if cap is not None]
        self._limits: list[tuple[int, dict[int, int]]] = [(cap.limit, {}) for _, cap in active]
        if not active or not ids:
            return
        starts = [now_us - cap.window_days * _DAY_US for _, cap in active]
        # Both caps from one read of the widest window, counted here.
        for subscriber, contact_tp, at_us in _contacts(tx, sorted(set(ids)), min(starts), now_us):
            for (scope, _), start, (_, counts) in zip(active, starts, self._limits, strict=True):
                if (scope is None or contact_tp == scope) and (at_us is None or at_us > start):
                    counts[subscriber] = counts.get(subscriber, 0) + 1

    def allows(self, subscriber_id: int) -> bool:
        return all(counts.get(subscriber_id, 0) < limit for limit, counts in self._limits)

    def admit(self, subscriber_id: int) -> bool:
        """Whether one more contact fits every cap; if so, count it."""
        if not self.allows(subscriber_id):
            return False
        for _, counts in self._limits:
            counts[subscriber_id] = counts.get(subscriber_id, 0) + 1
        return True


def caps_from_policy(policy_file: Path) -> CapPolicy:
    """The store's caps from the contact policy's frequency caps (`all` is the total),
    with its quiet hours and their time zone.

    The store holds one cap per touchpoint: when the policy lists several for one
    touchpoint, the first is used.
    """
    from cube.matching.policy import load_policy

    policy, _ = load_policy(policy_file)
    per_touchpoint: dict[str, Cap] = {}
    total: Cap | None = None
    for c in policy.frequency_caps:
        cap = Cap(limit=c.max, window_days=c.days)
        if c.touchpoint == "all":
            total = total or cap
        else:
            per_touchpoint.setdefault(c.touchpoint, cap)
    quiet = policy.quiet_hours
    return CapPolicy(
        touchpoints=per_touchpoint,  # type: ignore[arg-type]
        total=total,
        timezone=policy.timezone,
        # The store's own window type: CapPolicy compares and serialises without aliases.
        quiet_hours={t: QuietWindow(start=q.start, end=q.end) for t, q in quiet.items()},
    )
