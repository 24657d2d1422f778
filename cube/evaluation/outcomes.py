"""One evaluation cycle's units and what became of them.

A cycle is one match run. Its units are the run's work orders (treated: one per
subscriber and strategy, since routing picks one product and touchpoint each) and its
holdout rows (control: one per subscriber and strategy). For every unit this module
finds:

- the order's state in the work-order store at the evaluation date (an open or leased
  order past `expires_at` counts as expired even if no sweep has retired it yet);
- conversion: the subscriber took the unit's product within the conversion window
  [run date, run date + window], seen either as a holding with `start_date` in the
  window (the holdings extract read at evaluation) or as an `accepted` contact
  recorded in the store in the window. The same test applies to treated and held-out
  subscribers, so the uplift compares like with like;
- churn (for the policy score): the subscriber is missing from the latest
  `subscribers` extract or its line is no longer active;
- the cube cell: lifecycle stage x value band from the run's tag snapshot.

Reads run directories, the store and extracts; never the hidden truth.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cube.errors import InputError
from cube.runs import RunManifest

if TYPE_CHECKING:
    from cube.products import ProductCatalogue
    from cube.store import Store

UNKNOWN_CELL = "unknown"
# Store states of an order that was handed to a touchpoint at least once.
HANDED_OUT = (
    "leased", "contacted", "accepted", "declined", "no_answer", "invalid_number", "opted_out",
    "dead_letter",
)  # fmt: skip
TREATED_COLUMNS = (
    "order_id",
    "strategy_id",
    "touchpoint",
    "subscriber_id",
    "region_path",
    "product_id",
    "product_category",
    "monthly_value",
    "commission",
    "state",
    "delivered",
    "converted",
    "churned",
    "cell",
)
HOLDOUT_COLUMNS = (
    "strategy_id",
    "subscriber_id",
    "region_path",
    "product_id",
    "product_category",
    "converted",
    "cell",
)


@dataclass(frozen=True)
class Cycle:
    """One run's units with their outcomes, ready for the metrics."""

    run_id: str
    manifest: RunManifest
    run_date: dt.date
    window_end: dt.date  # last day a take-up counts
    as_of: dt.date
    treated: pd.DataFrame  # TREATED_COLUMNS
    holdout: pd.DataFrame  # HOLDOUT_COLUMNS


def read_manifest(run_dir: Path) -> RunManifest:
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise InputError(f"{run_dir}: not a complete match run (no manifest.json)")
    try:
        return RunManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: invalid run manifest: {exc}") from None


def read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """A Parquet file or directory as pandas; errors name the path."""
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError(f"{path}: missing")
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: unreadable Parquet: {exc}") from None


def run_date_of(orders: pd.DataFrame, manifest: RunManifest) -> dt.date:
    """The business day the run issued its orders (the snapshot date if it issued none)."""
    if orders.empty:
        return manifest.snapshot_date
    return pd.Timestamp(orders["issued_at"].min()).date()


def store_states(store: Store | None, run_id: str) -> pd.DataFrame:
    """order_id, state, attempts, expires_us of the run's orders in the store (empty if the
    run was never loaded)."""
    columns = ["order_id", "state", "attempts", "expires_us"]
    if store is None:
        return pd.DataFrame(columns=columns)
    rows = store.run_orders(run_id)
    return pd.DataFrame(rows, columns=columns)


def with_states(orders: pd.DataFrame, states: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Orders with their state at the evaluation date ('unloaded' if the store never had the
    order; open or leased orders past their expiry count as expired) and `delivered`:
    handed out at least once (a lease, an impression, or a lease that lapsed)."""
    from cube.store.model import to_us

    merged = orders.merge(states, on="order_id", how="left")
    cutoff = to_us(dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC))
    state = merged["state"].fillna("unloaded")
    lapsed = state.isin(["open", "leased"]) & (merged["expires_us"].fillna(cutoff + 1) <= cutoff)
    delivered = state.isin(HANDED_OUT) | merged["attempts"].fillna(0).gt(0)
    return merged.assign(state=state.mask(lapsed, "expired"), delivered=delivered).drop(
        columns=["expires_us", "attempts"]
    )


def takeups(
    raw_dir: Path, store: Store | None, subscribers: set[int], start: dt.date, end: dt.date
) -> set[tuple[int, str]]:
    """(subscriber, product) pairs taken within [start, end]: new holdings or accepted contacts."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = raw_dir / "holdings"
    if not path.exists():
        raise InputError(f"{path}: missing (the holdings extract shows who took what)")
    ids = list(subscribers)
    table = pq.read_table(
        path,
        columns=["subscriber_id", "product_id", "start_date"],
        filters=[("start_date", ">=", start), ("start_date", "<=", end)],
    )
    table = table.filter(pc.is_in(table["subscriber_id"], value_set=_int64(ids)))
    found = set(
        zip(table["subscriber_id"].to_pylist(), table["product_id"].to_pylist(), strict=True)
    )
    if store is not None:
        found |= _accepted_contacts(store, subscribers, start, end)
    return found


def _int64(values: list[int]) -> Any:
    import pyarrow as pa

    return pa.array(values, type=pa.int64())


def _accepted_contacts(
    store: Store, subscribers: set[int], start: dt.date, end: dt.date
) -> set[tuple[int, str]]:
    since = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    until = dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    history = store.contact_history(since).to_pandas()
    accepted = history[
        (history["outcome"] == "accepted")
        & (history["contact_ts"] < pd.Timestamp(until))
        & history["subscriber_id"].isin(subscribers)
    ]
    return set(zip(accepted["subscriber_id"], accepted["product_id"], strict=True))


def churned(raw_dir: Path, subscribers: set[int]) -> set[int]:
    """Subscribers missing from the latest subscribers extract or no longer active."""
    table = read_table(raw_dir / "subscribers", ["subscriber_id", "status"])
    active = set(table.loc[table["status"] == "active", "subscriber_id"].tolist())
    return subscribers - active


def cells(warehouse_dir: Path, snapshot_date: dt.date, subscribers: set[int]) -> dict[int, str]:
    """subscriber -> 'lifecycle_stage|value_band' from the run's tag snapshot ({} if absent)."""
    from tags.jobs.publish import tags_dir

    path = tags_dir(warehouse_dir, snapshot_date)
    if not path.exists():
        return {}
    frame = read_table(path, ["subscriber_id", "network", "lifecycle_stage", "value_band"])
    frame = frame[frame["subscriber_id"].isin(subscribers)]
    other = frame["network"].eq("other")
    parts = [
        frame[c].where(frame[c].notna(), other.map({True: "other_network", False: UNKNOWN_CELL}))
        for c in ("lifecycle_stage", "value_band")
    ]
    return dict(zip(frame["subscriber_id"], parts[0] + "|" + parts[1], strict=True))


def mark(units: pd.DataFrame, taken: set[tuple[int, str]], cell_of: dict[int, str]) -> pd.DataFrame:
    """Add `converted` (took the unit's product in the window) and `cell`."""
    pairs = zip(units["subscriber_id"], units["product_id"], strict=True)
    units = units.assign(converted=[p in taken for p in pairs])
    return units.assign(cell=units["subscriber_id"].map(cell_of).fillna(UNKNOWN_CELL))


def load_cycle(
    run_dir: Path,
    *,
    raw_dir: Path,
    warehouse_dir: Path,
    products: ProductCatalogue,
    store: Store | None,
    as_of: dt.date,
    window_days: int,
) -> Cycle:
    """Read a run, its orders' states, take-ups, churn and cells into a Cycle."""
    manifest = read_manifest(run_dir)
    orders = read_table(
        run_dir / "work_orders",
        ["order_id", "strategy_id", "touchpoint", "subscriber_id", "region_path", "product_id",
         "product_category", "issued_at"],
    )  # fmt: skip
    held = read_table(
        run_dir / "holdout", ["strategy_id", "subscriber_id", "region_path", "product_id"]
    )
    run_date = run_date_of(orders, manifest)
    end = min(run_date + dt.timedelta(days=window_days), as_of)
    everyone = set(orders["subscriber_id"].tolist()) | set(held["subscriber_id"].tolist())
    taken = takeups(raw_dir, store, everyone, run_date, end)
    cell_of = cells(warehouse_dir, manifest.snapshot_date, everyone)
    orders = with_states(orders, store_states(store, manifest.run_id), as_of)
    orders = orders.assign(
        monthly_value=orders["product_id"].map(lambda p: _product(products, p).monthly_value),
        commission=orders["product_id"].map(lambda p: _product(products, p).commission),
    )
    lost = churned(raw_dir, set(orders.loc[orders["state"] == "accepted", "subscriber_id"]))
    orders = mark(orders, taken, cell_of).assign(churned=orders["subscriber_id"].isin(lost))
    held = held.assign(
        product_category=held["product_id"].map(lambda p: _product(products, p).category)
    )
    return Cycle(
        run_id=manifest.run_id,
        manifest=manifest,
        run_date=run_date,
        window_end=end,
        as_of=as_of,
        treated=orders[list(TREATED_COLUMNS)],
        holdout=mark(held, taken, cell_of)[list(HOLDOUT_COLUMNS)],
    )


def _product(products: ProductCatalogue, product_id: str) -> Any:
    if product_id not in products:
        raise InputError(f"run offers product '{product_id}', unknown to the products extract")
    return products[product_id]
