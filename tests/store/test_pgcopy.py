"""Binary COPY encoding: byte for byte what PostgreSQL itself writes for the same rows."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pyarrow as pa
import pytest

from cube.store import pgcopy

ROWS = pa.table(
    {
        "version": pa.array([1, -7, 2_147_483_647], pa.int32()),
        "subscriber": pa.array([1, -(2**63), 2**63 - 1], pa.int64()),
        "score": pa.array([0.1, -1e300, float("inf")], pa.float64()),
        "script": pa.array(
            ["尊敬的客户, 5G 套餐", "", 'quote " comma , newline \n tab \t'], pa.string()
        ),
        "region": pa.array(["P1.C01", "P1", "\\N"], pa.string()),
    }
)
DDL = (
    "CREATE TABLE t "
    "(version INTEGER, subscriber BIGINT, score DOUBLE PRECISION, script TEXT, region TEXT)"
)


@pytest.fixture
def pg(pg_database: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_database) as conn:
        conn.execute(DDL)
        yield conn
        conn.rollback()


def _copy_in(conn: psycopg.Connection, chunks: list[bytes]) -> None:
    with conn.cursor().copy(
        f"COPY t ({', '.join(ROWS.column_names)}) FROM STDIN (FORMAT binary)"
    ) as copy:
        for chunk in chunks:
            copy.write(chunk)


def test_encoded_rows_are_what_postgresql_writes_for_them(pg: psycopg.Connection) -> None:
    _copy_in(pg, [pgcopy.HEADER, bytes(pgcopy.encode(ROWS)), pgcopy.TRAILER])
    with pg.cursor().copy("COPY t TO STDOUT (FORMAT binary)") as copy:
        written = b"".join(bytes(chunk) for chunk in copy)
    assert written == pgcopy.HEADER + bytes(pgcopy.encode(ROWS)) + pgcopy.TRAILER
    got = pg.execute("SELECT version, subscriber, score, script, region FROM t").fetchall()
    assert got == [tuple(r.values()) for r in ROWS.to_pylist()]


def test_chunks_of_one_table_concatenate(pg: psycopg.Connection) -> None:
    chunks = [bytes(pgcopy.encode(ROWS.slice(i, 1))) for i in range(ROWS.num_rows)]
    assert b"".join(chunks) == bytes(pgcopy.encode(ROWS))
    _copy_in(pg, [pgcopy.HEADER, *chunks, pgcopy.TRAILER])
    assert pg.execute("SELECT count(*) FROM t").fetchone() == (3,)


def test_fixed_width_columns_come_first() -> None:
    shuffled = ROWS.select(["script", "version", "region", "score", "subscriber"])
    assert pgcopy.column_order(shuffled.schema) == [
        "version", "score", "subscriber", "script", "region"
    ]  # fmt: skip
    with pytest.raises(ValueError) as err:
        pgcopy.encode(shuffled)
    assert str(err.value) == (
        "columns not in fixed-width-first order: "
        "['script', 'version', 'region', 'score', 'subscriber']"
    )


def test_an_empty_table_encodes_to_nothing() -> None:
    assert bytes(pgcopy.encode(ROWS.slice(0, 0))) == b""
