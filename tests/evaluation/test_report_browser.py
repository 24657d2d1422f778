"""The evaluation report opened in headless Chromium: every chart is laid out with the
expected number of marks, and each mark is painted in its colour on a screenshot.

Skipped without Chromium outside CI; in CI (CI=true) a missing Chromium fails.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cube.evaluation.engine import evaluate_run
from tests.evaluation import browser
from tests.evaluation.conftest import REPORT_MARKS, RUN_ID, World


@pytest.mark.slow
def test_every_chart_renders_in_chromium(world: World, tmp_path: Path) -> None:
    binary = browser.chromium()
    result = evaluate_run(
        world.settings, RUN_ID, store=world.store, as_of=dt.date(2026, 12, 1), notify=False
    )
    page = browser.harness(result.path / "report.html", tmp_path)
    measured, image = browser.render(binary, page, tmp_path / "profile")
    charts = {c["name"]: c for c in measured["charts"]}
    assert {name: len(c["marks"]) for name, c in charts.items()} == REPORT_MARKS
    for name, chart in charts.items():
        assert chart["title"], name
        assert chart["box"][2] > 300 and chart["box"][3] > 100, (name, chart["box"])
        sizes = [m["box"][2] * m["box"][3] for m in chart["marks"]]
        assert min(sizes) > 20, (name, sizes)
    width, _ = measured["page"]
    assert width == browser.WIDTH  # nothing overflows sideways
    assert image.shape[1:] == (browser.WIDTH, 3)
    # Each mark stands out from the white page, and the screenshot shows it in its colour.
    faint = [(n, m["fill"]) for n, c in charts.items() for m in c["marks"]
             if max(255 - v for v in browser.rgb(m["fill"])) <= 24]  # fmt: skip
    assert faint == []
    unpainted = [
        (name, i, mark["fill"], round(share, 2))
        for name, chart in charts.items()
        for i, mark in enumerate(chart["marks"])
        if (share := browser.painted(image, mark["box"], browser.rgb(mark["fill"]))) < 0.25
    ]
    assert unpainted == []
