"""Diagnostics render like a compiler's: location, code, caret, hint."""

from __future__ import annotations

from cube.errors import Diagnostic, DiagnosticError, did_you_mean


def test_diagnostic_renders_caret_under_the_spot() -> None:
    diagnostic = Diagnostic(
        path="strategies/x.yaml",
        line=12,
        col=5,
        code="E103",
        message="unknown tag 'churn_scroe' (did you mean 'churn_score'?)",
        source_line="  - churn_scroe > 0.7\n",
        width=11,
    )
    assert diagnostic.render() == (
        "strategies/x.yaml:12:5 E103 unknown tag 'churn_scroe' (did you mean 'churn_score'?)\n"
        "  12 |   - churn_scroe > 0.7\n"
        "     |     ^^^^^^^^^^^"
    )


def test_diagnostic_error_counts_only_errors() -> None:
    problems = [
        Diagnostic("a.yaml", 1, 1, "E101", "unknown key 'foo'"),
        Diagnostic("a.yaml", 2, 1, "W201", "expired", severity="warning"),
    ]
    error = DiagnosticError(problems)
    assert str(error) == "1 error(s)"
    assert error.to_dict()["diagnostics"][1]["severity"] == "warning"


def test_did_you_mean_finds_close_names_only() -> None:
    assert did_you_mean("churn_scroe", ["churn_score", "arpu_avg_6m"]) == "churn_score"
    assert did_you_mean("zzz", ["churn_score"]) is None
