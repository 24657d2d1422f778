"""`cube strategies check | schema` through typer's CliRunner: exit codes, --json, --strict."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cube.cli.strategies import app
from cube.strategy.schema import SCHEMA_FILE, render_schema
from tests.strategy.conftest import Write, edit

runner = CliRunner()


def test_check_passes_a_valid_file(write: Write, raw_products: Path) -> None:
    result = runner.invoke(app, ["check", "--no-data", str(write())])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "note: N302 data-based checks skipped (--no-data)\n"
        "1 file(s): 0 error(s), 0 warning(s), 1 note(s) - ok\n"
    )


def test_check_fails_with_every_diagnostic_and_a_summary(write: Write, raw_products: Path):
    bad = write(edit("holdout: 0.1", "holdout: 0.7"), name="bad.yaml")
    result = runner.invoke(app, ["check", "--no-data", str(bad)])
    assert result.exit_code == 1
    assert result.output == (
        "bad.yaml:22:10 E126 holdout 0.7 is outside [0, 0.5]\n"
        "  22 | holdout: 0.7\n"
        "     |          ^^^\n"
        "note: N302 data-based checks skipped (--no-data)\n"
        "1 file(s): 1 error(s), 0 warning(s), 1 note(s) - FAILED\n"
    )


def test_check_json(write: Write, raw_products: Path) -> None:
    bad = write(edit("product: LA-5GUP-S", "product: LA-5GUP-Z"), name="bad.yaml")
    result = runner.invoke(app, ["check", "--no-data", "--json", str(bad)])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["ok"] is False
    assert document["diagnostics"] == [
        {
            "path": "bad.yaml",
            "line": 17,
            "col": 14,
            "code": "E120",
            "severity": "error",
            "message": "unknown product 'LA-5GUP-Z' (did you mean 'LA-5GUP-S'?)",
            "hint": None,
        }
    ]
    assert document["notes"] == [
        {"code": "N302", "message": "data-based checks skipped (--no-data)", "path": None}
    ]


def test_strict_fails_on_warnings(write: Write, raw_products: Path) -> None:
    path = write(edit("name: 5G upgrade for heavy video users, 2026 Q4", "name: Video fans"))
    assert runner.invoke(app, ["check", "--no-data", str(path)]).exit_code == 0
    strict = runner.invoke(app, ["check", "--no-data", "--strict", "--json", str(path)])
    assert strict.exit_code == 1
    (diagnostic,) = json.loads(strict.output)["diagnostics"]
    assert (diagnostic["code"], diagnostic["severity"]) == ("W203", "error")


def test_a_directory_means_its_yaml_files_only(folder: Path, write: Write, raw_products: Path):
    write(name="a.yaml")
    (folder / "policy").mkdir()
    (folder / "policy" / "contact.yaml").write_text("caps: {}\n")
    (folder / "notes.txt").write_text("not a strategy\n")
    result = runner.invoke(app, ["check", "--no-data", "--json", str(folder)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"] == ["a.yaml"]


def test_a_missing_path_is_a_clear_error(folder: Path, raw_products: Path) -> None:
    result = runner.invoke(app, ["check", "--no-data", "nowhere.yaml"])
    assert result.exit_code == 1
    assert str(result.exception) == "nowhere.yaml: no such strategy file or directory"


def test_schema_prints_and_writes(tmp_path: Path) -> None:
    printed = runner.invoke(app, ["schema"])
    assert printed.exit_code == 0
    assert printed.output == render_schema()
    target = tmp_path / "schema.json"
    written = runner.invoke(app, ["schema", "--out", str(target)])
    assert written.exit_code == 0
    assert target.read_text() == render_schema()


def test_the_checked_in_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text() == render_schema(), "run: cube strategies schema --out " + str(
        SCHEMA_FILE
    )
