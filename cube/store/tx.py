"""Transactions: the SQL API store code writes against, in both dialects.

Store code writes SQL once with `?` placeholders and runs it through a `Tx` that a
backend (cube.store.backend) hands it. The differences between the two databases that
SQL text cannot hide live here: row locks (FOR UPDATE [SKIP LOCKED] on PostgreSQL,
nothing on SQLite where the write lock already serialises writers), list parameters,
set-based bulk statements, advisory locks and bulk copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from cube.store.readahead import ReadAhead

Params = Sequence[Any]
# (column name, PostgreSQL type) pairs for the set-based bulk statements.
Columns = Sequence[tuple[str, str]]


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
