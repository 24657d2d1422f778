"""Type checking against the catalogue: every error collected, exact messages."""

from __future__ import annotations

import pytest

from cube.dsl import TagType, check_condition, parse

TAGS = {
    "churn_score": TagType("number"),
    "lifecycle_stage": TagType("string", ("onboarding", "stable", "pre_churn")),
    "handset_5g": TagType("boolean"),
    "contract_end_date": TagType("date"),
}


def errors(text: str) -> list[tuple[str, str, int, int]]:
    return [(e.code, e.message, e.offset, e.width) for e in check_condition(parse(text), TAGS)]


def test_valid_condition_has_no_errors() -> None:
    text = (
        "churn_score > 0.7 and lifecycle_stage in ['stable', 'pre_churn'] and not handset_5g "
        "and contract_end_date < date('2027-01-01') and coalesce(churn_score, 0) * 2 between 0 "
        "and 3 and greatest(churn_score, 1) >= 1 and contract_end_date is not null"
    )
    assert errors(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "churn_scroe > 0.7",
            [("E103", "unknown tag 'churn_scroe' (did you mean 'churn_score'?)", 0, 11)],
        ),
        (
            "lifecycle_stage == 'prechurn'",
            [
                (
                    "E105",
                    "'prechurn' is not a value of tag 'lifecycle_stage' (did you mean "
                    "'pre_churn'?)",
                    19,
                    10,
                )
            ],
        ),
        (
            "lifecycle_stage in ['zzz']",
            [
                (
                    "E105",
                    "'zzz' is not a value of tag 'lifecycle_stage' (allowed: onboarding, stable, "
                    "pre_churn)",
                    20,
                    5,
                )
            ],
        ),
        ("handset_5g > 1", [("E104", "cannot compare boolean with number", 0, 14)]),
        (
            "lifecycle_stage < 'stable'",
            [("E104", "string values have no order; use == or in", 0, 26)],
        ),
        (
            "churn_score == null",
            [("E104", "comparing with null is never true; use 'is null'", 0, 19)],
        ),
        ("churn_score", [("E104", "a condition must be true or false, not a number", 0, 11)]),
        ("not churn_score", [("E104", "'not' needs boolean, got number", 4, 11)]),
        ("churn_score + 'a' > 1", [("E104", "'+' needs number, got string", 14, 3)]),
        (
            "median(churn_score) > 1",
            [("E106", "unknown function 'median' (known: abs, coalesce, greatest, least)", 0, 19)],
        ),
        ("abs(churn_score, 1) > 1", [("E106", "abs() takes 1 argument(s), got 2", 0, 19)]),
        (
            "coalesce(churn_score, 'x') > 1",
            [("E104", "coalesce() arguments mix types: number, string", 0, 26)],
        ),
    ],
)
def test_type_errors_are_exact(text: str, expected: list[tuple[str, str, int, int]]) -> None:
    assert errors(text) == expected


def test_every_error_is_collected_in_one_pass() -> None:
    found = errors("churn_scroe > 1 and lifecycle_stage == 'x' and handset_5g + 1 > 0")
    assert [code for code, *_ in found] == ["E103", "E105", "E104"]
