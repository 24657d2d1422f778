"""Simulator fixtures: the real API (uvicorn in a thread, SQLite, fake clock) loaded with a
run of eligible offers for the generated operator's customers in a few counties, and a
keys file with one scoped key per site."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cube.contract import TOUCHPOINTS
from cube.simulators.config import KeysFile, SimConfig, SiteKey, SystemSpec
from cube.simulators.runner import simulate
from cube.simulators.world import World, load_world
from tests.api.conftest import Api, running_api
from tests.store.builder import order

RUN_ID = "sim-r1"
SYSTEMS = {
    "call-centre": ("outbound_call", "city_id"),
    "sms-gateway": ("sms", "province_id"),
    "store-popups": ("store_popup", "county_id"),
    "app": ("internet", "county_id"),
}


@dataclass
class Played:
    """A simulated cycle: the report and the API (store) it ran against."""

    report: dict[str, Any]
    api: Api
    raw_dir: Path
    orders: list[dict[str, Any]]


@pytest.fixture(scope="session")
def world(operator_home: Path) -> World:
    return load_world(operator_home / "raw", operator_home / "truth", invalid_rate=0.01)


def offers_for(world: World, counties: int) -> list[dict[str, Any]]:
    """One order per touchpoint for every customer of the first `counties` counties, each
    an eligible product, pairwise distinct and non-conflicting (so touchpoints never
    withdraw each other's orders and a run is repeatable)."""
    chosen = sorted({g.rsplit(".", 1)[0] for g in world.grid.values()})[:counties]
    rows = []
    products = sorted(world.products)
    for subscriber in sorted(world.grid):
        if world.grid[subscriber].rsplit(".", 1)[0] not in chosen:
            continue
        picked: list[str] = []
        for i, touchpoint in enumerate(TOUCHPOINTS):
            start = (subscriber * 7 + i * 5) % len(products)
            for product in products[start:] + products[:start]:
                clash = any(world.products.conflicts.conflicts(product, p) for p in picked)
                if product not in picked and not clash and world.eligible(subscriber, product):
                    picked.append(product)
                    row = order(RUN_ID, subscriber, strategy=f"s-{touchpoint}", product=product,
                                touchpoint=touchpoint, region=world.grid[subscriber])  # fmt: skip
                    row["product_category"] = world.products[product].category
                    row["network"] = world.network[subscriber]
                    rows.append(row)
                    break
    return rows


def site_keys(api: Api, rows: list[dict[str, Any]]) -> KeysFile:
    """One key per site of every system, scoped to its touchpoint and region."""
    regions = {r["region_path"] for r in rows}
    levels = {
        "province_id": lambda g: g.split(".")[0],
        "city_id": lambda g: ".".join(g.split(".")[:2]),
        "county_id": lambda g: ".".join(g.split(".")[:3]),
    }
    systems = []
    for name, (touchpoint, level) in SYSTEMS.items():
        sites = sorted({levels[level](g) for g in regions})
        keys = [
            SiteKey(
                region=s, token=api.store.create_key(f"{name} {s}", [touchpoint], [s], False).token
            )
            for s in sites
        ]
        systems.append(SystemSpec(name=name, touchpoint=touchpoint, sites=tuple(keys)))  # type: ignore[arg-type]
    return KeysFile(systems=tuple(systems))


@contextmanager
def played(
    operator_home: Path, world: World, tmp: Path, config: SimConfig, counties: int
) -> Iterator[Played]:
    """Serve a fresh store loaded with the run, play the cycle, yield what happened."""
    raw = tmp / "raw"
    shutil.copytree(operator_home / "raw", raw)
    rows = offers_for(world, counties)
    with running_api(f"sqlite:///{tmp / 'store.db'}", tmp) as api:
        api.load(RUN_ID, rows)
        keys = site_keys(api, rows)
        report = simulate(
            api.url, keys, config, raw, operator_home / "truth",
            run_dir=api.runs_dir / RUN_ID,
            lapse=lambda seconds: api.clock.advance(seconds=seconds + 1),
        )  # fmt: skip
        yield Played(report, api, raw, rows)


def store_rows(api: Api, sql: str) -> list[tuple[Any, ...]]:
    return api.store.backend.transact(lambda tx: tx.rows(sql, []), write=False)
