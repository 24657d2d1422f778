"""SQL pieces shared by leasing, results and real time: order columns and key scopes."""

from __future__ import annotations

from typing import Any

from cube.store.model import ALL_REGIONS, Order, Principal, from_us

ORDER_COLUMNS: tuple[str, ...] = (
    "order_id",
    "run_id",
    "strategy_id",
    "strategy_version",
    "subscriber_id",
    "region_path",
    "product_id",
    "touchpoint",
    "score",
    "rank",
    "explanation",
    "script",
    "expires_us",
    "state",
    "attempts",
)
SELECT_ORDER = ", ".join(ORDER_COLUMNS)
# Columns after ORDER_COLUMNS in queries that need the lease too.
SELECT_ORDER_LEASE = SELECT_ORDER + ", lease_token, lease_expires_us"


def to_order(row: tuple[Any, ...], **changes: Any) -> Order:
    """An Order from a row in ORDER_COLUMNS order, with optional overrides.

    Built without validation: the row comes from the store's own typed columns, which
    the load checked. Validating cost about 11 us an order, 5.5 ms of every lease of
    500 (profile of the store benchmark's worker)."""
    values = dict(zip(ORDER_COLUMNS, row, strict=False))
    values["expires_at"] = from_us(values.pop("expires_us"))
    values.update(changes)
    return Order.model_construct(**values)


def region_scope(pg: bool, principal: Principal) -> tuple[str, list[Any]]:
    """SQL keeping only orders under the key's region prefixes (whole path segments).

    A prefix test rather than LIKE: exact and case-sensitive on both databases. On
    PostgreSQL `^@` (starts_with), whose selectivity the planner estimates from the
    column's statistics; with substr it guesses 0.5% and, for a province-wide key,
    prefers a full scan and sort over walking the queue index.
    """
    if ALL_REGIONS in principal.region_prefixes:
        return "1 = 1", []
    if not principal.region_prefixes:
        return "1 = 0", []
    parts, params = [], []
    for prefix in principal.region_prefixes:
        if pg:
            parts.append("region_path = ? OR region_path ^@ ?")
            params += [prefix, prefix + "."]
        else:
            parts.append("region_path = ? OR substr(region_path, 1, ?) = ?")
            params += [prefix, len(prefix) + 1, prefix + "."]
    return "(" + " OR ".join(parts) + ")", params


def in_scope(principal: Principal, touchpoint: str, region_path: str) -> bool:
    """Whether the key may see an order (the Python twin of region_scope plus touchpoint)."""
    return touchpoint in principal.touchpoints and principal.sees_region(region_path)
