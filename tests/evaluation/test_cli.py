"""`cube evaluate run|history` on the small world, alerts posted to a local webhook."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cube.cli.evaluate import app
from cube.settings import PROJECT_ROOT, get_settings
from tests.evaluation.conftest import RUN_ID, Hook, World

POLICY = PROJECT_ROOT / "strategies" / "policy"


@pytest.fixture
def hooked(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: Hook) -> World:
    """The shipped configs, with a rule every cycle breaches and the webhook pointed at `hook`."""
    policy = tmp_path / "policy"
    policy.mkdir()
    shutil.copy(POLICY / "contact.yaml", policy / "contact.yaml")
    shutil.copy(POLICY / "evaluation.yaml", policy / "evaluation.yaml")
    rules = (POLICY / "alerts.yaml").read_text()
    rules = rules.replace("url: null ", f"url: {hook.url}")
    rules += ("  - name: any-acceptance\n    metric: accepted\n    op: '>='\n    threshold: 1\n"
              "    level: strategy\n    where: {strategy_id: s-fibre}\n")  # fmt: skip
    (policy / "alerts.yaml").write_text(rules)
    monkeypatch.setenv("CUBE_POLICY_FILE", str(policy / "contact.yaml"))
    get_settings.cache_clear()
    return world


@pytest.mark.parametrize("hook", [[200]], indirect=True)
def test_run_reports_json_and_posts_breaches(hooked: World, hook: Hook) -> None:
    result = CliRunner().invoke(app, ["run", RUN_ID, "--as-of", "2026-12-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [b["rule"] for b in data["alerts"]] == ["any-acceptance"]
    assert data["alerts"][0]["message"] == "accepted 1 >= 1 at strategy s-fibre"
    assert data["webhook"] == {"status": "sent", "http_status": 200, "attempts": 1}
    assert hook.bodies[0]["run_id"] == RUN_ID
    assert hook.bodies[0]["breaches"] == data["alerts"]
    saved = json.loads((Path(data["path"]) / "summary.json").read_text())
    assert saved["webhook"] == data["webhook"]


def test_history_lists_the_evaluated_strategies(world: World) -> None:
    runner = CliRunner()
    human_run = runner.invoke(
        app, ["run", RUN_ID, "--as-of", "2026-12-01", "--no-notify"], env={"COLUMNS": "200"}
    )
    assert human_run.exit_code == 0, human_run.output
    assert "│ s-boost  │ outbound_call │     10 │         4 │        2 │ 50.0% [15.0%, 85.0%]" in (
        human_run.stdout
    )
    result = runner.invoke(app, ["history", "--touchpoint", "store_popup", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert [(r["strategy_id"], r["product_category"], r["contacted"]) for r in rows] == [
        ("s-fibre", "home_broadband", 2)
    ]
    human = runner.invoke(app, ["history"], env={"COLUMNS": "200"})
    assert "s-fibre" in human.stdout and "light_addon" in human.stdout
