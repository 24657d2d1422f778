"""Customers who buy on their own: the holdings delta the evaluation reads.

The evaluation counts a conversion from a holdings row whose `start_date` falls in the
conversion window, or from an `accepted` contact in the store. Touchpoint acceptances
reach the store through the API; purchases nobody prompted (held-out subscribers, and
treated ones who turned the offer down or were never reached) happen in the shops, so
they are written where the operator's next holdings extract would show them:
`<raw>/holdings/part-simulated-<run_id>.parquet`, the holdings contract's columns
(subscriber_id, product_id, start_date), drawn from the truth's organic take-up
probability. The offers accepted at a touchpoint go in the same file, started on the
day they were accepted: the operator provisions them, so the next match sees the
product held and does not offer it again. One file per run, replaced atomically on a
re-run.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cube.errors import InputError
from cube.simulators.randomness import uniform
from cube.simulators.world import SIMULATED_PREFIX, World


def delta_name(run_id: str) -> str:
    """File name of a run's organic purchases inside the holdings directory."""
    return f"{SIMULATED_PREFIX}{run_id}.parquet"


def run_units(run_dir: Path) -> tuple[dt.date, list[tuple[int, str]]]:
    """The run's issue date and its (subscriber, product) units: orders and holdout."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        orders = pq.read_table(run_dir / "work_orders", columns=["subscriber_id", "product_id",
                                                                  "issued_at"])  # fmt: skip
        held = pq.read_table(run_dir / "holdout", columns=["subscriber_id", "product_id"])
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{run_dir}: not a readable match run: {exc}") from None
    if orders.num_rows:
        run_date = pc.min(orders["issued_at"]).as_py().date()
    else:
        from cube.evaluation.outcomes import read_manifest

        run_date = read_manifest(run_dir).snapshot_date
    units = set()
    for table in (orders, held):
        pairs = zip(table["subscriber_id"].to_pylist(), table["product_id"].to_pylist(),
                    strict=True)  # fmt: skip
        units.update(pairs)
    return run_date, sorted(units)


def organic_purchases(
    run_dir: Path, world: World, seed: int, accepted: set[tuple[int, str]], days: int
) -> list[dict[str, object]]:
    """Purchases made without a touchpoint, one per unit at most, never a product the
    subscriber holds, accepted this run, or that conflicts with one of those."""
    run_date, units = run_units(run_dir)
    taken: dict[int, set[str]] = {}
    for subscriber, product in accepted:
        taken.setdefault(subscriber, set()).add(product)
    rows = []
    for subscriber, product in units:
        mine = taken.setdefault(subscriber, set())
        if product in mine or mine & world.products.conflicts.excluded_by(product):
            continue
        if not world.buys_on_own(seed, subscriber, product):
            continue
        mine.add(product)
        day = int(uniform(seed, "organic-day", subscriber, product) * days)
        start = run_date + dt.timedelta(days=day)
        rows.append({"subscriber_id": subscriber, "product_id": product, "start_date": start})
    return rows


def provisioned(run_dir: Path, accepted: set[tuple[int, str]]) -> list[dict[str, object]]:
    """Holdings rows of the offers accepted at a touchpoint, started on the run's day."""
    run_date, _ = run_units(run_dir)
    return [
        {"subscriber_id": subscriber, "product_id": product, "start_date": run_date}
        for subscriber, product in sorted(accepted)
    ]


def write_delta(holdings_dir: Path, run_id: str, rows: list[dict[str, object]]) -> Path:
    """Write the run's organic purchases (temporary file + rename: readers see all or none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([
        pa.field("subscriber_id", pa.int64(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("start_date", pa.date32(), nullable=False),
    ])  # fmt: skip
    path = holdings_dir / delta_name(run_id)
    tmp = holdings_dir / f".{path.name}.{os.getpid()}.tmp"
    try:
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
