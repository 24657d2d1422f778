"""Database backends: SQLite (embedded default) and PostgreSQL, behind one transaction API.

Store code writes SQL once with `?` placeholders and runs it inside `Backend.transact`,
which hands it a `Tx` (cube.store.tx, where the SQL dialects differ). Here: how a write
transaction starts (BEGIN IMMEDIATE on SQLite takes the write lock up front; PostgreSQL
locks rows), connections and their pool, deadlock retries, and opening a backend by URL.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cube.store.errors import StoreError
from cube.store.tx import Params, PgTx, Tx

T = TypeVar("T")

# How many times a transaction that PostgreSQL aborted as a deadlock victim is retried.
_RETRIES = 5


class Backend:
    """A database the store runs transactions against."""

    name = "abstract"

    def transact(self, fn: Callable[[Tx], T], write: bool = True) -> T:
        """Run `fn` in one transaction; `write=False` promises it only reads."""
        raise NotImplementedError

    async def read_rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """One read-only statement from async code: here in a worker thread; PostgreSQL
        overrides it to stay on the event loop (cube.store.aio)."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(
            lambda: self.transact(lambda tx: tx.rows(sql, params), write=False)
        )

    def close(self) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    """SQLite in WAL mode: one connection per thread, writers serialised by BEGIN IMMEDIATE."""

    name = "sqlite"

    def __init__(self, path: Path, busy_timeout_ms: int = 30_000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=60
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def transact(self, fn: Callable[[Tx], T], write: bool = True) -> T:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot start a transaction: {exc}") from exc
        try:
            result = fn(Tx(conn))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class PostgresBackend(Backend):
    """PostgreSQL through psycopg 3 with a small connection pool (one connection per caller)."""

    name = "postgresql"

    def __init__(self, url: str, pool_size: int = 20, connect_timeout_s: float = 30) -> None:
        self.url = url
        self.pool_size = pool_size
        self.connect_timeout_s = connect_timeout_s
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._open = 0
        self._guard = threading.Lock()
        from cube.store.aio import AsyncReads

        self._async = AsyncReads(url, pool_size)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        conn = self._checkout()
        try:
            yield conn
        finally:
            self._checkin(conn)

    def _checkout(self) -> Any:
        import psycopg

        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._guard:
            grow = self._open < self.pool_size
            if grow:
                self._open += 1
        if not grow:
            try:
                return self._idle.get(timeout=self.connect_timeout_s)
            except queue.Empty:
                raise StoreError(
                    f"no free database connection after {self.connect_timeout_s}s"
                ) from None
        try:
            return psycopg.connect(self.url, autocommit=False)
        except psycopg.Error as exc:
            with self._guard:
                self._open -= 1
            raise StoreError(f"cannot connect to {redact(self.url)}: {exc}") from exc

    def _checkin(self, conn: Any) -> None:
        import psycopg.pq

        if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.close()
            with self._guard:
                self._open -= 1
            return
        self._idle.put(conn)

    def transact(self, fn: Callable[[Tx], T], write: bool = True) -> T:
        import psycopg

        if not write:
            return self._read(fn)
        for attempt in range(_RETRIES + 1):
            with self._connection() as conn:
                try:
                    result = fn(PgTx(conn))
                    conn.commit()
                    return result
                except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                    conn.rollback()
                    if attempt == _RETRIES:
                        raise
                except BaseException:
                    if not conn.closed:
                        conn.rollback()
                    raise
        raise AssertionError("unreachable")

    def _read(self, fn: Callable[[Tx], T]) -> T:
        """A read in autocommit: no BEGIN and COMMIT round trips (a third of a real-time
        request's database time). Under READ COMMITTED each statement of a transaction
        takes its own snapshot anyway, so reads see nothing different."""
        with self._connection() as conn:
            conn.autocommit = True
            try:
                return fn(PgTx(conn))
            finally:
                if not conn.closed:
                    conn.autocommit = False

    async def read_rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return await self._async.rows(sql, params)

    def close(self) -> None:
        self._async.discard()
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                break
            conn.close()
            with self._guard:
                self._open -= 1


def redact(url: str) -> str:
    """The URL without a password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, userinfo = head.partition("//")
    return f"{scheme}//{userinfo.split(':', 1)[0]}:***@{tail}"


def sqlite_path(url: str) -> Path | None:
    """The file a sqlite:///path URL names; None for any other URL."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def open_backend(url: str) -> Backend:
    """The backend a database URL names: sqlite:///path or postgresql://..."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path in ("", ":memory:"):
            raise StoreError(f"{url}: the store needs a file (threads share it), not memory")
        return SqliteBackend(Path(path))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(url)
    raise StoreError(f"unsupported database URL '{redact(url)}' (use sqlite:/// or postgresql://)")
