"""The naming rule's parts: periods, product words, what an id or name fails to say."""

from __future__ import annotations

import datetime as dt

import pytest

from cube.strategy.naming import id_problems, name_problems, period_span, product_words

Q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("token", "span"),
    [
        ("2026", (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("2026q4", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("2026q1", (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        ("2026h2", (dt.date(2026, 7, 1), dt.date(2026, 12, 31))),
        ("2026m02", (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
        ("2026m11", (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("2026q5", None),
        ("2026m13", None),
        ("video", None),
        ("1999", None),
    ],
)
def test_period_span(token: str, span: tuple[dt.date, dt.date] | None) -> None:
    assert period_span(token) == span


def test_product_words_drop_stopwords_and_single_letters(products) -> None:
    assert product_words([products["PI-SWITCH5G"]]) == frozenset(
        {"pi", "switch5g", "port", "5g", "switch", "terminal"}
    )


def test_a_good_id_and_name_have_no_problems(products) -> None:
    words = product_words([products["HB-1000M"]])
    assert id_problems("broadband-home-fibre-2026m11", "broadband", words, Q4) == []
    assert name_problems("Gigabit home broadband, Nov 2026", "broadband", words, Q4) == []


def test_an_id_of_two_words_lacks_product_words(products) -> None:
    words = product_words([products["HB-1000M"]])
    assert id_problems("broadband-2026q4", "broadband", words, Q4) == [
        "no word names an offered product (e.g. 1000m, broadband, gigabit, hb)"
    ]


def test_a_name_with_a_year_outside_the_window(products) -> None:
    words = product_words([products["HB-1000M"]])
    assert name_problems("Home broadband 2025", "broadband", words, Q4) == [
        "its year is outside the active window"
    ]
