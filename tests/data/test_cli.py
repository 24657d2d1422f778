"""`cube data generate` and `cube data contract` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from cube.cli import app
from cube.contract import TABLES
from cube.data.contract_doc import render_markdown
from cube.errors import InputError
from cube.settings import PROJECT_ROOT, Settings

runner = CliRunner()


def test_generate_json_reports_what_it_wrote(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "extracts"
    result = runner.invoke(
        app,
        ["data", "generate", "--subscribers", "800", "--seed", "5", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["subscribers"] == 800
    assert report["raw_dir"] == str(out)
    assert report["truth_dir"] == str(settings.dir("truth"))
    assert report["as_of"] == settings.snapshot_date.isoformat()
    assert list(report["tables"]) == [t.name for t in TABLES]
    assert report["tables"]["subscribers"]["rows"] == 800
    assert pq.read_table(out / "subscribers").num_rows == 800
    assert (settings.dir("truth") / "params.json").is_file()


def test_generate_defaults_to_the_configured_locations(settings: Settings) -> None:
    result = runner.invoke(
        app, ["data", "generate", "--subscribers", "300", "--seed", "1", "--as-of", "2026-06-30"]
    )
    assert result.exit_code == 0, result.output
    assert "300 subscribers" in result.stdout
    usage = pq.read_table(settings.dir("raw") / "usage_daily", columns=["usage_date"])
    assert str(max(usage["usage_date"].to_pylist())) == "2026-06-30"


def test_generate_rejects_bad_arguments(settings: Settings) -> None:
    result = runner.invoke(app, ["data", "generate", "--subscribers", "0", "--seed", "1"])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == "--subscribers must be at least 1, got 0"
    result = runner.invoke(
        app, ["data", "generate", "--subscribers", "5", "--seed", "1", "--as-of", "2026-13-01"]
    )
    assert isinstance(result.exception, InputError)
    assert "--as-of: '2026-13-01' is not a date (YYYY-MM-DD)" in str(result.exception)
    assert not settings.dir("raw").exists()


def test_contract_json_lists_every_table() -> None:
    result = runner.invoke(app, ["data", "contract", "--json"])
    assert result.exit_code == 0, result.output
    contract = json.loads(result.stdout)
    assert [t["name"] for t in contract["tables"]] == [t.name for t in TABLES]
    assert contract["enumerations"]["touchpoints"] == [
        "outbound_call", "store_popup", "internet", "sms",
    ]  # fmt: skip
    assert contract["types"]["timestamp"]["spark"] == "timestamp"


def test_contract_markdown_is_the_rendering() -> None:
    result = runner.invoke(app, ["data", "contract", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout == render_markdown()


def test_committed_doc_equals_the_rendering() -> None:
    doc = PROJECT_ROOT / "docs" / "data-contract.md"
    stale = "docs/data-contract.md is stale: cube data contract --markdown > docs/data-contract.md"
    assert doc.read_text() == render_markdown(), stale


def test_contract_human_output_names_every_column() -> None:
    result = runner.invoke(app, ["data", "contract"])
    assert result.exit_code == 0, result.output
    for spec in TABLES:
        assert spec.name in result.stdout
        for column in spec.columns:
            assert column.name in result.stdout
