"""Which failures a task retries: transient ones with backoff, never the user's or the data's.

A retry helps only when the same call can succeed a moment later: a dropped file
system or network call, a Spark gateway that lost its JVM connection, a database that
was locked or briefly unreachable. A data-quality gate, a strategy error or a broken
extract fails the same way every time, so those fail the run at once, with their
message, and an operator fixes the cause instead of waiting through retries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prefect.tasks import exponential_backoff

from cube.errors import ConfigError, DiagnosticError, InputError

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State, TaskRun

RETRIES = 3
"""Attempts after the first, for every task that touches files, Spark or the store."""

BACKOFF_SECONDS = 10.0
"""First retry delay; each further retry doubles it (10 s, 20 s, 40 s), with jitter."""

JITTER = 0.2

# Failures of the input or the request itself: the same call fails again.
PERMANENT: tuple[type[BaseException], ...] = (ConfigError, DiagnosticError, InputError)
PERMANENT_OS: tuple[type[OSError], ...] = (
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)
# Matched by name: py4j and psycopg are imported by the engine only when used.
TRANSIENT_NAMES = frozenset(
    {
        "py4j.protocol.Py4JNetworkError",
        "psycopg.OperationalError",
        "sqlalchemy.exc.OperationalError",
    }
)


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what caused it (explicit cause first, else the context)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same call may succeed.

    A data-quality, strategy, input or configuration error is final whatever caused
    it. Otherwise the failure is transient when it, or what caused it, is an I/O error
    other than a missing or forbidden path, a lost Py4J connection, or a database
    OperationalError (a store error wrapping "database is locked" is transient).
    """
    from cube.quality.gate import DataQualityError

    if isinstance(exc, (*PERMANENT, DataQualityError)):
        return False
    return any(_transient_itself(e) for e in chain(exc))


def _transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return not isinstance(exc, PERMANENT_OS)
    if isinstance(exc, sqlite3.OperationalError):
        return True
    return any(_qualname(cls) in TRANSIENT_NAMES for cls in type(exc).__mro__)


def _qualname(cls: type) -> str:
    module = cls.__module__
    # psycopg defines its errors in psycopg.errors and re-exports them at top level.
    if module == "psycopg.errors":
        module = "psycopg"
    return f"{module}.{cls.__qualname__}"


def retry_transient(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect's retry_condition_fn: retry only a transient failure."""
    exc = state.result(raise_on_failure=False)
    return isinstance(exc, BaseException) and is_transient(exc)


TRANSIENT_RETRY: dict[str, Any] = {
    "retries": RETRIES,
    "retry_delay_seconds": exponential_backoff(backoff_factor=BACKOFF_SECONDS),
    "retry_jitter_factor": JITTER,
    "retry_condition_fn": retry_transient,
}
"""Task options shared by every task that may hit a transient failure."""
