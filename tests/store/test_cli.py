"""`cube store` and `cube keys` through typer, on the configured (SQLite) store."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from cube.cli import keys, store
from cube.settings import Settings
from cube.store import StoreError
from tests.store.builder import order, write_run

runner = CliRunner()
app = typer.Typer()
app.add_typer(store.app, name="store")
app.add_typer(keys.app, name="keys")


def _json(args: list[str]) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_migrate_load_status(settings: Settings) -> None:
    assert _json(["store", "migrate"]) == {"applied": [1, 2], "version": 2, "latest": 2}
    assert _json(["store", "migrate"]) == {"applied": [], "version": 2, "latest": 2}
    write_run(settings.dir("runs"), "r1", [[order("r1", 1), order("r1", 2, touchpoint="sms")]])
    report = _json(["store", "load", "r1"])
    assert report == {
        "run_id": "r1",
        "loaded": True,
        "orders": 2,
        "superseded": 0,
        "withdrawn_for_consent": 0,
    }
    assert _json(["store", "load", "r1"])["loaded"] is False  # type: ignore[index]
    status = _json(["store", "status"])
    assert status["counts"] == {"outbound_call": {"open": 1}, "sms": {"open": 1}}  # type: ignore[index]
    assert [r["run_id"] for r in status["runs"]] == ["r1"]  # type: ignore[index]


def test_keys_create_list_revoke(settings: Settings) -> None:
    _json(["store", "migrate"])
    new = _json(["keys", "create", "--name", "sms gw", "--touchpoint", "sms", "--region", "P1"])
    key_id = new["info"]["key_id"]  # type: ignore[index]
    assert new["token"].startswith(f"cube_{key_id}_")  # type: ignore[index]
    listed = _json(["keys", "list"])
    assert [(k["key_id"], k["revoked_at"]) for k in listed] == [(key_id, None)]  # type: ignore[union-attr]
    assert "token" not in json.dumps(listed)
    assert _json(["keys", "revoke", key_id])["revoked_at"] is not None  # type: ignore[index]


def test_unmigrated_store_says_what_to_do(settings: Settings) -> None:
    result = runner.invoke(app, ["keys", "list"])
    assert isinstance(result.exception, StoreError)
    assert str(result.exception) == (
        "store schema is at version 0, this cube needs 2: run `cube store migrate`"
    )


def test_unknown_run_is_named(settings: Settings, tmp_path: Path) -> None:
    _json(["store", "migrate"])
    result = runner.invoke(app, ["store", "load", "nope"])
    assert str(result.exception) == (
        f"run 'nope': no such directory ({settings.dir('runs') / 'nope'})"
    )
