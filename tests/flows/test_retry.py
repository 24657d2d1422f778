"""Transient failures are retried with backoff; data, strategy and input errors never are."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from prefect import flow, task

from cube.errors import ConfigError, Diagnostic, DiagnosticError, InputError
from cube.quality.gate import DataQualityError
from cube.quality.report import CheckResult, QualityReport, TableReport
from cube.store.errors import StoreError
from flows.retry import BACKOFF_SECONDS, RETRIES, TRANSIENT_RETRY, is_transient


def stale_usage() -> DataQualityError:
    failed = CheckResult(
        table="usage_daily",
        column="usage_date",
        check="freshness",
        expectation="expect_column_max_to_be_between",
        severity="critical",
        success=False,
        message="usage_daily.usage_date: latest 2026-11-01 is 19 days old",
    )
    table = TableReport(table="usage_daily", rows=10, results=[failed])
    return DataQualityError(QualityReport.build("inputs", dt.date(2026, 11, 20), [table], 0.1))


def wrapped(outer: BaseException, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise outer from inner
    except BaseException as exc:
        return exc


def py4j_network_error() -> Exception:
    from py4j.protocol import Py4JNetworkError

    return Py4JNetworkError("Answer from Java side is empty")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OSError("Connection reset by peer"), True),
        (TimeoutError("read timed out"), True),
        (FileNotFoundError("raw/usage_daily"), False),
        (PermissionError("warehouse"), False),
        (sqlite3.OperationalError("database is locked"), True),
        (wrapped(StoreError("cube.db: cannot begin"), sqlite3.OperationalError()), True),
        (StoreError("run reloaded with other contents"), False),
        (wrapped(RuntimeError("job aborted"), OSError("No space left on device")), True),
        (RuntimeError("a bug"), False),
        (stale_usage(), False),
        (DiagnosticError([Diagnostic("s.yaml", 3, 1, "E101", "unknown tag 'arpu'")]), False),
        (wrapped(InputError("raw/subscribers: unreadable"), OSError("EIO")), False),
        (ConfigError("spark.master is empty"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_is_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_lost_py4j_connection_is_transient() -> None:
    assert is_transient(py4j_network_error())


def test_backoff_doubles_from_ten_seconds() -> None:
    delays = TRANSIENT_RETRY["retry_delay_seconds"](RETRIES)
    assert (RETRIES, BACKOFF_SECONDS, delays) == (3, 10.0, [10.0, 20.0, 40.0])


def attempts_until(failures: list[BaseException]) -> tuple[list[int], object]:
    """Run a task with the flows' retry policy (no delay) that raises `failures` in turn."""
    calls: list[int] = []

    @task(**(TRANSIENT_RETRY | {"retry_delay_seconds": 0}))
    def step() -> str:
        calls.append(len(calls) + 1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return "done"

    @flow
    def job() -> str:
        return step()

    return calls, job(return_state=True)


@pytest.mark.slow
def test_transient_failures_are_retried_until_success(prefect_api: str) -> None:
    calls, state = attempts_until([OSError("reset"), py4j_network_error()])
    assert state.is_completed()
    assert (calls, state.result()) == ([1, 2, 3], "done")


@pytest.mark.slow
def test_data_quality_error_fails_at_once(prefect_api: str) -> None:
    calls, state = attempts_until([stale_usage()])
    assert state.is_failed()
    assert calls == [1]
    with pytest.raises(DataQualityError, match="data-quality gate 'inputs' failed for 2026-11-20"):
        state.result()


@pytest.mark.slow
def test_retries_stop_after_three(prefect_api: str) -> None:
    calls, state = attempts_until([OSError("down")] * 5)
    assert state.is_failed()
    assert calls == [1, 2, 3, 4]
