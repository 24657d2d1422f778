"""`cube tags list | graph | build` through the CLI (typer's CliRunner, in process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cube.catalogue.graph import UnknownNodeError
from cube.cli import app
from cube.errors import ConfigError
from cube.settings import get_settings
from tests.conftest import TEST_SPARK_CONF
from tests.tags.dataset import SNAPSHOT

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty home: nothing built yet."""
    monkeypatch.setenv("CUBE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CUBE_SNAPSHOT_DATE", SNAPSHOT.isoformat())
    monkeypatch.setenv("CUBE_SPARK_CONF", json.dumps(TEST_SPARK_CONF))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["tags", *args])


def test_list_json_is_the_catalogue_before_any_build(cli_env: Path) -> None:
    result = invoke("list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["snapshot_date"] is None
    names = [t["name"] for t in data["tags"]]
    assert len(names) >= 60 and names == sorted(names)
    entry = next(t for t in data["tags"] if t["name"] == "value_band")
    assert entry == {
        "name": "value_band",
        "dtype": "string",
        "description": "Value band on 6-month average ARPU (plan fee before the first bill), "
        "CNY per month: low < 50, medium < 100, high < 200, premium >= 200.",
        "category": "value",
        "owner": "user-centre/value",
        "allowed": ["low", "medium", "high", "premium"],
        "min": None,
        "max": None,
        "unit": None,
        "inputs": [],
        "depends_on": ["arpu_avg_6m", "plan_monthly_fee"],
        "source": None,
        "fill": None,
        "networks": ["own"],
        "kind": "row",
    }


def test_list_one_category(cli_env: Path) -> None:
    result = invoke("list", "--category", "lifecycle", "--json")
    names = [t["name"] for t in json.loads(result.stdout)["tags"]]
    assert names == [
        "churn_signal_count",
        "contract_ending_soon",
        "high_value_pre_churn",
        "holds_retention_offer",
        "lifecycle_stage",
        "revenue_at_risk",
        "tenure_band",
        "usage_falling_sharply",
    ]


def test_list_an_unknown_category_suggests_one(cli_env: Path) -> None:
    result = invoke("list", "--category", "lifecyle")
    assert isinstance(result.exception, ConfigError)
    assert str(result.exception) == "unknown category 'lifecyle' (did you mean 'lifecycle'?)"


def test_graph_json_of_a_tag_lists_what_it_needs(cli_env: Path) -> None:
    result = invoke("graph", "--tag", "video_share", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["tag"] == "video_share" and data["direction"] == "dependencies"
    assert data["order"] == [
        "usage_daily.data_mb",
        "data_mb_30d",
        "usage_daily.video_mb",
        "video_mb_30d",
        "video_share",
    ]
    assert data["edges"] == [
        {"from": "data_mb_30d", "to": "video_share"},
        {"from": "usage_daily.data_mb", "to": "data_mb_30d"},
        {"from": "usage_daily.video_mb", "to": "video_mb_30d"},
        {"from": "video_mb_30d", "to": "video_share"},
    ]


def test_graph_dependents_of_an_input(cli_env: Path) -> None:
    result = invoke("graph", "--tag", "subscribers.handset_5g", "--dependents", "--json")
    nodes = {n["name"]: n["kind"] for n in json.loads(result.stdout)["nodes"]}
    tags = sorted(n for n, kind in nodes.items() if kind == "tag")
    assert tags == [
        "handset_is_5g",
        "handset_upgrade_candidate",
        "old_non_5g_handset",
        "plan_5g_handset_4g",
    ]


def test_graph_text_and_dot_to_a_file(cli_env: Path, tmp_path: Path) -> None:
    text = invoke("graph", "--tag", "silent_user").stdout
    assert text.splitlines()[0] == "silent_user depends on 9 node(s):"
    assert (
        "  silent_user (tag) <- active_days_7d, data_mb_30d, tenure_months, voice_min_30d"
        in text.splitlines()
    )
    target = tmp_path / "g.dot"
    result = invoke("graph", "--format", "dot", "--out", str(target))
    assert result.exit_code == 0
    dot = target.read_text()
    assert dot.startswith("digraph cube {")
    assert '  "usage_daily.video_mb" -> "video_mb_30d";' in dot.splitlines()


def test_graph_unknown_tag(cli_env: Path) -> None:
    result = invoke("graph", "--tag", "silent_usr")
    assert isinstance(result.exception, UnknownNodeError)
    assert str(result.exception) == "unknown name 'silent_usr' (did you mean 'silent_user'?)"


@pytest.mark.spark
def test_build_then_list_shows_statistics(
    spark: Any, tiny_raw: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUBE_RAW_DIR", str(tiny_raw))
    get_settings.cache_clear()
    result = invoke("build", "--no-validate", "--models", "skip", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["snapshot"], report["rows"], report["models"]) == ("2026-11-01", 5, "skip")
    assert "> compute tags ..." in result.stderr
    listed = json.loads(invoke("list", "--category", "value", "--json").stdout)
    assert listed["snapshot_date"] == "2026-11-01"
    stats = next(t["stats"] for t in listed["tags"] if t["name"] == "value_band")
    assert stats["top_values"] == [{"value": "high", "count": 2}, {"value": "low", "count": 1}]
