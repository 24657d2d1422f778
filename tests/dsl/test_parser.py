"""Parser: precedence, spans for carets, and exact syntax errors."""

from __future__ import annotations

import datetime as dt

import pytest

from cube.dsl import DslError, parse, tag_refs
from cube.dsl.ast import Between, Binary, In, IsNull, Literal, Not


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    expr = parse("not a or b and c")
    assert isinstance(expr, Binary) and expr.op == "or"
    assert isinstance(expr.left, Not)
    assert isinstance(expr.right, Binary) and expr.right.op == "and"


def test_in_between_is_null_and_dates() -> None:
    expr = parse("stage in ['stable', 'pre_churn'] and arpu between 50 and 200.5")
    assert isinstance(expr, Binary)
    assert isinstance(expr.left, In) and [i.value for i in expr.left.items] == [
        "stable",
        "pre_churn",
    ]
    assert isinstance(expr.right, Between)
    assert parse("d >= date('2026-11-01')").right == Literal(dt.date(2026, 11, 1), (5, 23))
    null_test = parse("contract_end is not null")
    assert isinstance(null_test, IsNull) and null_test.negated


def test_tag_refs_come_in_source_order_with_spans() -> None:
    refs = tag_refs(parse("(b > 1) or a == 2"))
    assert [(r.name, r.span) for r in refs] == [("b", (1, 2)), ("a", (11, 12))]


@pytest.mark.parametrize(
    ("text", "message", "offset", "width", "hint"),
    [
        ("a = 1", "E110 unexpected character '='", 2, 1, "use '==' to compare"),
        ("a && b", "E110 unexpected character '&'", 2, 1, "use 'and', 'or', 'not'"),
        ("a < b < c", "E110 comparisons do not chain; combine them with 'and'", 6, 1, None),
        ("a in [b]", "E110 list items must be literal values (not null)", 6, 1, None),
        ("a and", "E110 expected a value, found end of condition", 5, 1, None),
        ("(a > 1", "E110 expected ')' to close '(', found end of condition", 6, 1, None),
        (
            "a between 1 or 2",
            "E110 expected 'and' between the bounds of 'between', found 'or'",
            12,
            2,
            None,
        ),
        (
            "d > date('2026-13-01')",
            "E111 invalid date '2026-13-01' (expected YYYY-MM-DD)",
            9,
            12,
            None,
        ),
        ("s == 'open", "E110 unterminated string", 5, 5, None),
        ("", "E110 empty condition", 0, 1, None),
        ("a > 1 b", "E110 unexpected 'b'", 6, 1, None),
    ],
)
def test_syntax_errors_are_exact(
    text: str, message: str, offset: int, width: int, hint: str | None
) -> None:
    with pytest.raises(DslError) as caught:
        parse(text)
    assert (str(caught.value), caught.value.offset, caught.value.width, caught.value.hint) == (
        message,
        offset,
        width,
        hint,
    )
