"""The six strategies in strategies/ and the reference in docs/strategy-dsl.md.

The data-based checks of the shipped strategies need a tag snapshot of the generated
operator (minutes to build), so they are verified by `cube strategies check --strict`
on a built snapshot, not here; here every other check runs, strictly.
"""

from __future__ import annotations

import re

from cube.settings import PROJECT_ROOT
from cube.strategy import check_strategies, compile_strategies
from cube.strategy.codes import CODES

DOC = PROJECT_ROOT / "docs" / "strategy-dsl.md"


def test_the_six_strategies_pass_strict(settings, products) -> None:
    report = check_strategies(settings=settings, products=products, data=False, strict=True)
    assert [d.headline() for d in report.diagnostics] == []
    assert len(report.files) == 6


def test_the_six_strategies_compile_and_cover_the_cube(settings, products) -> None:
    compiled = compile_strategies(settings=settings, products=products)
    assert sorted(c.id for c in compiled) == [
        "acquisition-port-in-5g-switch-2026h2",
        "benefits-club-plus-silent-2026q4",
        "broadband-home-fibre-family-2026q4",
        "mobile-5g-upgrade-video-2026q4",
        "mobile-loyalty-retention-high-value-2026q4",
        "terminal-5g-handset-old-2026q4",
    ]
    assert all(c.strategy.active.covers(settings.snapshot_date) for c in compiled)
    assert {c.strategy.cube.direction for c in compiled} == {
        "scale",
        "revenue_lift",
        "retention",
        "silent_activation",
    }
    for c in compiled:
        assert c.path.read_text().startswith("# yaml-language-server: $schema=strategy.schema.json")


def test_every_code_is_documented_with_an_example() -> None:
    text = DOC.read_text()
    headed = re.findall(r"^#### ([EWN]\d{3}) ", text, flags=re.M)
    assert sorted(headed) == sorted(CODES), "each code once, as a #### heading"
    for code in CODES:
        if code[0] in "EW":
            assert re.search(rf":\d+:\d+ {code} ", text), f"{code} has no example output"
