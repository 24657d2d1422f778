"""The HTML report each evaluation writes: self-contained, every chart with its marks, data
escaped, breaches and webhook shown, and `cube evaluate run` says where it is."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import types
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cube.cli.evaluate import app
from cube.evaluation import html, pagedata, svg
from cube.evaluation.config import load_evaluation_config
from cube.evaluation.engine import evaluate_run
from cube.evaluation.metrics import compute
from cube.evaluation.outcomes import HOLDOUT_COLUMNS, TREATED_COLUMNS
from cube.settings import PROJECT_ROOT
from tests.evaluation.conftest import REPORT_MARKS, RUN_ID, Hook, World
from tests.evaluation.test_cli import hooked  # noqa: F401 (a fixture)

AS_OF = dt.date(2026, 12, 1)
CHARTS = list(REPORT_MARKS)
HOSTILE = "s-<img src=x onerror=alert(1)>"


class Charts(HTMLParser):
    """Per `svg[data-chart]`: its <title> and its marks' attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.marks: dict[str, list[dict[str, str | None]]] = {}
        self.titles: dict[str, str] = {}
        self.current: str | None = None
        self.in_title = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "svg" and found.get("data-chart"):
            self.current = found["data-chart"]
            self.marks[self.current] = []
        elif self.current and "mark" in (found.get("class") or "").split():
            self.marks[self.current].append(found)
        self.in_title = tag == "title" and self.current is not None

    def handle_data(self, data: str) -> None:
        if self.in_title and self.current and self.current not in self.titles:
            self.titles[self.current] = data

    def handle_endtag(self, tag: str) -> None:
        self.in_title = False
        if tag == "svg":
            self.current = None


def test_each_evaluation_writes_a_self_contained_report(world: World) -> None:
    result = evaluate_run(world.settings, RUN_ID, store=world.store, as_of=AS_OF, notify=False)
    names = sorted(p.name for p in result.path.iterdir())
    assert names == ["coverage.csv", "coverage.parquet", "metrics.csv", "metrics.parquet",
                     "posteriors.csv", "posteriors.parquet", "report.html",
                     "summary.json"]  # fmt: skip
    coverage = pd.read_csv(result.path / "coverage.csv")
    assert coverage[["cell", "product_category", "touchpoint", "orders", "accepted"]].to_dict(
        "records"
    ) == [
        {"cell": "unknown", "product_category": "home_broadband", "touchpoint": "store_popup",
         "orders": 6, "accepted": 1},
        {"cell": "unknown", "product_category": "light_addon", "touchpoint": "outbound_call",
         "orders": 10, "accepted": 2},
        {"cell": "unknown", "product_category": "light_addon", "touchpoint": "sms",
         "orders": 10, "accepted": 1},
    ]  # fmt: skip
    page = (result.path / "report.html").read_text(encoding="utf-8")
    # Nothing fetched: no script, stylesheet link, image or URL besides the SVG namespace.
    assert re.findall(r"<script|<link|<img|<iframe|src=|url\(|@import", page) == []
    assert set(re.findall(r"https?://[^\"' ]+", page)) == {"http://www.w3.org/2000/svg"}
    parsed = Charts(page)
    assert {name: len(marks) for name, marks in parsed.marks.items()} == REPORT_MARKS
    assert parsed.titles == {
        "funnel": "Funnel per touchpoint",
        "outcomes": "Where the orders ended, per touchpoint",
        "roi-value": "ROI and value per touchpoint",
        "uplift": "Uplift over the holdout, 95% intervals",
        "region-heatmap": "Conversion by county and touchpoint",
        "coverage-heatmap": "Cube coverage: issued orders per cell",
        "trends": "Trends across cycles",
    }
    funnel = [m["data-value"] for m in parsed.marks["funnel"]]
    assert funnel[:5] == ["10", "10", "5", "4", "2"]  # outbound_call: the engine test's funnel
    assert "No alert rule breached." in page


def test_trends_read_the_earlier_evaluations_only(world: World) -> None:
    """An earlier run's evaluation (copied, dated a month before) is a second cycle; a
    hidden half-written directory and a later run are not."""
    first = evaluate_run(world.settings, RUN_ID, store=world.store, as_of=AS_OF, notify=False)
    for name, date in (("20261001-prev", "2026-10-01"), (".20261002-x.1f.tmp", "2026-10-02"),
                       ("20261201-next", "2026-12-01")):  # fmt: skip
        copy = first.path.parent / name
        shutil.copytree(first.path, copy)
        summary = json.loads((copy / "summary.json").read_text())
        (copy / "summary.json").write_text(json.dumps(summary | {"run_id": name, "run_date": date}))
    again = evaluate_run(world.settings, RUN_ID, store=world.store, as_of=AS_OF, notify=False)
    page = (again.path / "report.html").read_text(encoding="utf-8")
    trends = Charts(page).marks["trends"]
    assert len(trends) == 2 * REPORT_MARKS["trends"]
    labels = re.findall(r'class="tick">(2026-\d\d-\d\d)</text>', page)
    assert labels == ["2026-10-01", "2026-11-01"] * 2  # both panels
    assert "2 evaluated cycle(s) up to this one" in page


@pytest.mark.parametrize("hook", [[200]], indirect=True)
def test_the_report_shows_breaches_and_the_webhook_and_the_cli_prints_it(
    hooked: World,  # noqa: F811
    hook: Hook,
) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["run", RUN_ID, "--as-of", "2026-12-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    report = Path(data["report"])
    assert report == Path(data["path"]) / "report.html"
    page = report.read_text(encoding="utf-8")
    assert '<td class="l">any-acceptance</td>' in page
    assert "accepted 1 &gt;= 1 at strategy s-fibre" in page
    assert "<p>Webhook: sent</p>" in page  # rewritten after the post
    human = runner.invoke(app, ["run", RUN_ID, "--as-of", "2026-12-01", "--no-notify"],
                          env={"COLUMNS": "400"})  # fmt: skip
    assert human.exit_code == 0, human.output
    assert f"  report: {report}\n" in human.stdout


def _cycle(run_id: str, strategy: str, accepted_every: int) -> types.SimpleNamespace:
    """A synthetic cycle: 48 orders over 4 touchpoints, 2 cities and 3 x 4 cube cells."""
    states = ["accepted", "declined", "no_answer", "expired"]
    touchpoints = ["outbound_call", "store_popup", "internet", "sms"]
    rows = [
        {"order_id": f"{run_id}-{i}", "strategy_id": strategy, "touchpoint": touchpoints[i % 4],
         "subscriber_id": i, "region_path": f"P1.C0{i % 2 + 1}.K001.G0001", "product_id": "LA",
         "product_category": "light_addon", "monthly_value": 10.0, "commission": 2.0,
         "state": "accepted" if i // 4 % accepted_every == 0 else states[1 + i // 4 % 3],
         "delivered": True, "converted": i // 4 % accepted_every == 0, "churned": False,
         "cell": f"{['onboarding', 'stable', 'pre_churn'][i % 3]}|{['low', 'medium'][i % 2]}"}
        for i in range(48)
    ]  # fmt: skip
    treated = pd.DataFrame(rows)[list(TREATED_COLUMNS)]
    holdout = treated.assign(converted=treated["subscriber_id"] % 9 == 0)[list(HOLDOUT_COLUMNS)]
    return types.SimpleNamespace(run_id=run_id, treated=treated, holdout=holdout)


def _page(cycles: list[types.SimpleNamespace]) -> tuple[str, pd.DataFrame]:
    config = load_evaluation_config(PROJECT_ROOT / "strategies" / "policy" / "evaluation.yaml")
    frames = [(f"2026-{9 + k:02d}-01", compute(c, config)) for k, c in enumerate(cycles)]
    metrics = frames[-1][1]
    summary = {"run_id": f"run-{HOSTILE}", "period": "2026-11", "run_date": "2026-11-01",
               "window_end": "2026-12-01", "as_of": "2026-12-01", "evaluated_at": "x",
               "totals": None, "strategies": [], "efficiency": [], "webhook": None,
               "alerts": [{"severity": "critical", "rule": "<b>rule</b>",
                           "message": f"roi 0.5 < 1 at touchpoint {HOSTILE}"}]}  # fmt: skip
    coverage = pagedata.coverage_table(cycles[-1].treated)
    return html.render(summary, metrics, coverage, pd.DataFrame(), frames), metrics


def test_strings_from_data_are_escaped_and_the_cube_grid_and_trends_are_complete() -> None:
    page, metrics = _page([_cycle(f"r{k}", HOSTILE, 2 + k) for k in range(3)])
    assert "<img" not in page and "<b>rule" not in page
    assert page.count("s-&lt;img src=x onerror=alert(1)&gt;") > 10
    assert "<title>Evaluation of run run-s-&lt;img src=x onerror=alert(1)&gt;</title>" in page
    parsed = Charts(page)
    # 3 cycles x (4 touchpoints + all) x (conversion, ROI)
    assert len(parsed.marks["trends"]) == 30
    # The full lifecycle x value band grid (3 x 4 columns) though only low/medium occur;
    # 32 category x touchpoint rows; marks only where orders were issued: 3 stages x 4
    # touchpoints (the band follows the touchpoint in this cycle), 4 orders each.
    cube = re.search(r'<svg[^>]*data-chart="coverage-heatmap".*?</svg>', page, re.DOTALL)
    assert cube and cube[0].count('class="col-label"') == 12
    assert cube[0].count('class="row-label"') == 32
    assert [m["data-value"] for m in parsed.marks["coverage-heatmap"]] == ["4"] * 12
    run_row = metrics[metrics["level"] == "run"].iloc[0]
    assert parsed.marks["trends"][-1]["data-value"] == f"{run_row['roi']:.6g}"


def test_a_run_without_orders_still_renders_every_chart() -> None:
    empty = types.SimpleNamespace(
        run_id="r-empty",
        treated=pd.DataFrame(columns=list(TREATED_COLUMNS)),
        holdout=pd.DataFrame(columns=list(HOLDOUT_COLUMNS)),
    )
    page, _ = _page([empty])
    parsed = Charts(page)
    assert list(parsed.marks) == CHARTS
    assert all(marks == [] for marks in parsed.marks.values())
    assert page.count('class="chart-empty"') == 7
    assert "No work orders in this run." in page


def test_ticks_are_round_and_cover_the_range() -> None:
    assert svg.nice_ticks(0, 10) == [0, 2, 4, 6, 8, 10]
    assert svg.nice_ticks(-0.31, 0.52, 4) == [-0.5, -0.25, 0.0, 0.25, 0.5, 0.75]
    assert svg.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert (svg.ramp(0.0), svg.ramp(1.0), svg.ink(svg.ramp(1.0))) == (
        "#deebf7",
        "#08306b",
        "#ffffff",
    )


def test_metrics_written_with_commission_in_cost_are_restated() -> None:
    from cube.evaluation.report import restated

    earlier = pd.DataFrame(
        {"revenue": [240.0, 0.0], "contact_cost": [5.4, 0.0], "commission_paid": [6.0, 0.0],
         "cost": [11.4, 0.0], "value": [228.6, 0.0], "roi": [240 / 11.4, float("nan")],
         "touchpoint_value": [3.0, 0.0]}
    )  # fmt: skip
    out = restated(earlier)
    assert out["cost"].tolist() == [5.4, 0.0]
    assert out["value"].tolist() == [234.6, 0.0]
    assert out["roi"].iloc[0] == 240 / 5.4 and pd.isna(out["roi"].iloc[1])
    assert out["cost_with_commission"].tolist() == [11.4, 0.0]
    assert out["roi_with_commission"].iloc[0] == 240 / 11.4
    assert out["touchpoint_value"].tolist() == [9.0, 0.0]
    assert restated(out) is out  # today's tables pass through
