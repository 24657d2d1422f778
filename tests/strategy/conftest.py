"""Fixtures of the strategy tests: the product catalogue, a valid file, a writer for variants.

Broken files are the valid one with one thing changed; each fixture is named by what
it breaks, and tests assert the exact rendered diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cube.data.assortment import PRODUCTS, exclusion_pairs, exclusions_columns, products_columns
from cube.products import ConflictGraph, Product, ProductCatalogue
from cube.settings import Settings

VALID = """\
# yaml-language-server: $schema=strategy.schema.json
id: mobile-5g-upgrade-video-2026q4
name: 5G upgrade for heavy video users, 2026 Q4
owner: P1
active:
  from: 2026-10-01
  to: 2026-12-31
cube:
  business_line: mobile
  scenario: heavy video users
  lifecycle: stable
  direction: revenue_lift
segment: |
  heavy_video_user
  and not plan_is_5g
offers:
  - product: LA-5GUP-S
  - product: LA-5GUP-L
    rank: p_5g_upgrade * video_share
touchpoints:
  allowed: [outbound_call, sms]
holdout: 0.1
scripts:
  sms: "You streamed {video_mb_30d} MB of video: add 5G for 10 CNY."
"""

Write = Callable[..., Path]


def edit(old: str, new: str, text: str = VALID) -> str:
    """`text` with `old` replaced once; fails if `old` is not there (the edit must bite)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


@pytest.fixture(scope="session")
def products() -> ProductCatalogue:
    """The generator's fixed product list and its exclusions, without Parquet."""
    catalogue = {
        p.product_id: Product(
            p.product_id, p.name, p.category, p.family, p.monthly_value, p.commission, p.scope
        )
        for p in PRODUCTS
    }
    return ProductCatalogue(catalogue, ConflictGraph(exclusion_pairs()))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory for strategy files; diagnostics show paths relative to it."""
    path = tmp_path / "work"
    path.mkdir()
    monkeypatch.chdir(path)
    return path


@pytest.fixture
def write(folder: Path) -> Write:
    """write(text, name): a strategy file in `folder`."""

    def _write(text: str = VALID, name: str = "s.yaml") -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def raw_products(settings: Settings) -> Path:
    """The products and product_exclusions extracts in the settings' raw dir (for the CLI)."""
    raw = settings.dir("raw")
    for name, columns in (
        ("products", products_columns()),
        ("product_exclusions", exclusions_columns()),
    ):
        (raw / name).mkdir(parents=True)
        pq.write_table(pa.table(columns), raw / name / "part-0.parquet")
    return raw
