"""Database backends: SQLite (embedded default) and PostgreSQL, behind one transaction API.

Store code writes SQL once with `?` placeholders and runs it inside `Backend.transact`,
which hands it a `Tx`. The few places where the two databases must differ live here:
how a write transaction starts (BEGIN IMMEDIATE on SQLite takes the write lock up
front; PostgreSQL locks rows), row locks (FOR UPDATE [SKIP LOCKED] on PostgreSQL,
nothing on SQLite where the write lock already serialises writers), list parameters
and bulk copy.
"""

from __future__ import annotations

import hashlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from cube.store.errors import StoreError
from cube.store.readahead import ReadAhead

T = TypeVar("T")
Params = Sequence[Any]
# (column name, PostgreSQL type) pairs for the set-based bulk statements.
Columns = Sequence[tuple[str, str]]

# How many times a transaction that PostgreSQL aborted as a deadlock victim is retried.
_RETRIES = 5


class Tx:
    """One open transaction; `pg` tells the SQL helpers which dialect to speak."""

    pg = False

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Run a query and return every row."""
        cur = self.conn.execute(self._sql(sql), params)
        return cur.fetchall() if cur.description is not None else []

    def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return how many rows it changed."""
        return int(self.conn.execute(self._sql(sql), params).rowcount)

    def many(self, sql: str, seq: Sequence[Params]) -> None:
        """Run one statement for many parameter rows (one round trip per batch)."""
        if seq:
            self.conn.executemany(self._sql(sql), seq)

    def insert_rows(
        self, table: str, columns: Columns, rows: Sequence[Params], suffix: str = ""
    ) -> None:
        """INSERT many rows; `columns` are (name, PostgreSQL type) pairs, `suffix` an
        ON CONFLICT clause. Set-based on PostgreSQL (see PgTx)."""
        names = ", ".join(name for name, _ in columns)
        marks = ", ".join("?" * len(columns))
        self.many(f"INSERT INTO {table} ({names}) VALUES ({marks}){suffix}", rows)

    def update_rows(
        self, table: str, key: str, columns: Columns, rows: Sequence[Params], where: str = ""
    ) -> None:
        """UPDATE many rows by `key`; each row is (key value, *column values); `where`, an
        extra condition a row must meet (unqualified column names)."""
        sets = ", ".join(f"{name} = ?" for name, _ in columns)
        sql = f"UPDATE {table} SET {sets} WHERE {key} = ?" + (f" AND {where}" if where else "")
        self.many(sql, [(*r[1:], r[0]) for r in rows])

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """`column IN (...)` as SQL and parameters."""
        if not values:
            return "1 = 0", []
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)

    def for_update(self, skip_locked: bool = False) -> str:
        """The row-lock clause for a SELECT (empty on SQLite)."""
        return ""

    def lock_subscribers(self, ids: Sequence[int], skip_locked: bool) -> set[int]:
        """Lock the subscribers' guard rows in id order; returns the ids now held."""
        return set(ids)

    def lock_subscribers_of(self, ids_sql: str, params: Params) -> None:
        """Lock, in id order, the guard rows of the subscribers a query (`ids_sql`, one
        column of subscriber ids) names, in one round trip."""

    def lock_name(self, name: str) -> None:
        """A transaction-long lock on an arbitrary name (no-op where writers are serial)."""

    def _sql(self, sql: str) -> str:
        return sql


class PgTx(Tx):
    pg = True

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(?)", [list(values)]

    def for_update(self, skip_locked: bool = False) -> str:
        return " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"

    def many(self, sql: str, seq: Sequence[Params]) -> None:
        if seq:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), seq)

    # Measured on batches of 500: COPY inserts about twice as fast as a pipelined
    # executemany and faster still than INSERT ... SELECT FROM unnest(arrays), whose array
    # parameters cost more to send than they save; an update by key over unnest(arrays)
    # is three times faster than a statement per row.
    def insert_rows(
        self, table: str, columns: Columns, rows: Sequence[Params], suffix: str = ""
    ) -> None:
        if not rows or suffix:  # COPY cannot resolve conflicts
            super().insert_rows(table, columns, rows, suffix)
            return
        names = ", ".join(name for name, _ in columns)
        with self.conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def update_rows(
        self, table: str, key: str, columns: Columns, rows: Sequence[Params], where: str = ""
    ) -> None:
        if not rows:
            return
        sets = ", ".join(f"{name} = v.{name}" for name, _ in columns)
        arrays = ", ".join(f"?::{kind}[]" for _, kind in (("", "text"), *columns))
        names = ", ".join(name for name, _ in columns)
        extra = f" AND {table}.{where}" if where else ""
        self.run(
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v(_key, {names}) "
            f"WHERE {table}.{key} = v._key{extra}",
            [list(c) for c in zip(*rows, strict=True)],
        )

    # Binary parameters and results: id lists of a batch go as binary arrays instead of
    # text literals that psycopg would quote element by element.
    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(self._sql(sql), params, binary=True)
        return cur.fetchall() if cur.description is not None else []

    def run(self, sql: str, params: Params = ()) -> int:
        return int(self.conn.execute(self._sql(sql), params, binary=True).rowcount)

    def lock_subscribers(self, ids: Sequence[int], skip_locked: bool) -> set[int]:
        if not ids:
            return set()
        rows = self.rows(
            "SELECT subscriber_id FROM subscribers WHERE subscriber_id = ANY(?) "
            "ORDER BY subscriber_id" + self.for_update(skip_locked),
            [sorted(set(ids))],
        )
        return {r[0] for r in rows}

    def lock_subscribers_of(self, ids_sql: str, params: Params) -> None:
        self.rows(
            f"SELECT subscriber_id FROM subscribers WHERE subscriber_id IN ({ids_sql}) "
            "ORDER BY subscriber_id FOR UPDATE",
            params,
        )

    def lock_name(self, name: str) -> None:
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self.rows("SELECT pg_advisory_xact_lock(?)", [key])

    def copy_csv(self, table: str, columns: Sequence[str], chunks: Iterator[bytes]) -> None:
        """COPY CSV chunks into `table` (no per-row round trips)."""
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        with self.conn.cursor().copy(statement) as copy:
            for chunk in chunks:
                copy.write(chunk)

    def copy_binary(self, table: str, columns: Sequence[str], chunks: Iterator[Any]) -> None:
        """COPY chunks of binary COPY tuples (cube.store.pgcopy) into `table`.

        The chunks are produced one or two ahead in a thread: a chunk's checks and
        encoding take the client about as long as the server takes to copy the previous
        one, and `write` blocks until the server has taken it, so in one thread the two
        would mostly take turns. A failure on either side stops both and aborts the COPY.
        """
        from cube.store.pgcopy import HEADER, TRAILER

        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)"
        with ReadAhead(chunks) as ahead, self.conn.cursor().copy(statement) as copy:
            copy.write(HEADER)
            for chunk in ahead:
                copy.write(chunk)
            copy.write(TRAILER)

    def _sql(self, sql: str) -> str:
        return pg_sql(sql)


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    # Store SQL never contains a literal '%' (LIKE patterns are parameters).
    assert "%" not in sql, sql
    return sql.replace("?", "%b")


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
