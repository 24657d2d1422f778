"""Warnings about declarations: expired but active, and the naming rule (exact output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.strategy import check_strategies
from tests.strategy.conftest import Write, edit


def rendered(path: Path, settings, products, strict: bool = False) -> list[str]:
    report = check_strategies(
        [path], settings=settings, products=products, data=False, strict=strict
    )
    return [d.render() for d in report.diagnostics]


@pytest.fixture
def expired_but_active(write: Write) -> Path:
    text = edit("  from: 2026-10-01\n  to: 2026-12-31", "  from: 2026-07-01\n  to: 2026-09-30")
    return write(edit("2026q4", "2026q3", text))


def test_expired_strategy_still_active(expired_but_active: Path, settings, products) -> None:
    assert rendered(expired_but_active, settings, products) == [
        "s.yaml:7:7 W201 strategy is marked active but its window ended on 2026-09-30 "
        "(business date 2026-11-01)\n"
        "   7 |   to: 2026-09-30\n"
        "     |       ^^^^^^^^^^\n"
        "     = hint: set status: paused, or move active.to"
    ]


def test_an_expired_paused_strategy_is_fine(expired_but_active: Path, settings, products) -> None:
    paused = expired_but_active.read_text().replace("owner: P1", "owner: P1\nstatus: paused")
    expired_but_active.write_text(paused)
    assert rendered(expired_but_active, settings, products) == []


@pytest.fixture
def id_without_product_and_period(write: Write) -> Path:
    return write(edit("id: mobile-5g-upgrade-video-2026q4", "id: mobile-heavy-video"))


def test_id_naming_rule(id_without_product_and_period: Path, settings, products) -> None:
    assert rendered(id_without_product_and_period, settings, products) == [
        "s.yaml:2:5 W202 id does not follow the naming rule: no word names an offered product "
        "(e.g. 5g, 5gup, add, addon); it does not end with a period "
        "(2026, 2026h2, 2026q4 or 2026m11)\n"
        "   2 | id: mobile-heavy-video\n"
        "     |     ^^^^^^^^^^^^^^^^^^\n"
        "     = hint: id: <business line>-<product words>-<period>, "
        "e.g. mobile-5g-upgrade-video-2026q4"
    ]


@pytest.fixture
def id_with_another_business_and_stale_period(write: Write) -> Path:
    return write(edit("id: mobile-5g-upgrade-video-2026q4", "id: content-5g-upgrade-2025"))


def test_id_business_line_and_period(
    id_with_another_business_and_stale_period: Path, settings, products
) -> None:
    (text,) = rendered(id_with_another_business_and_stale_period, settings, products)
    assert text.splitlines()[0] == (
        "s.yaml:2:5 W202 id does not follow the naming rule: it does not start with the "
        "business line 'mobile'; its period '2025' does not overlap the active window"
    )


@pytest.fixture
def name_without_product_or_year(write: Write) -> Path:
    return write(edit("name: 5G upgrade for heavy video users, 2026 Q4", "name: Video fans"))


def test_name_naming_rule(name_without_product_or_year: Path, settings, products) -> None:
    assert rendered(name_without_product_or_year, settings, products) == [
        "s.yaml:3:7 W203 name does not follow the naming rule: it does not say the business "
        "'mobile' (e.g. 4g, 5g, data, loyalty); it does not name an offered product "
        "(e.g. 5g, 5gup, add, addon); it does not say the period (a year such as 2026)\n"
        "   3 | name: Video fans\n"
        "     |       ^^^^^^^^^^\n"
        "     = hint: name: business, product and year, "
        "e.g. '5G upgrade for heavy video users, 2026 Q4'"
    ]


def test_strict_makes_warnings_errors(name_without_product_or_year: Path, settings, products):
    report = check_strategies(
        [name_without_product_or_year], settings=settings, products=products, data=False
    )
    assert (report.ok, report.errors, report.warnings) == (True, 0, 1)
    strict = check_strategies(
        [name_without_product_or_year],
        settings=settings,
        products=products,
        data=False,
        strict=True,
    )
    assert (strict.ok, strict.errors, strict.warnings) == (False, 1, 0)
    assert strict.diagnostics[0].code == "W203"
    assert strict.summary() == "1 file(s): 1 error(s), 0 warning(s), 1 note(s), strict - FAILED"
