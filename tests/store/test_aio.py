"""Reads on the event loop (cube.store.aio): placeholders, rows, and a server that is gone."""

from __future__ import annotations

import asyncio

import pytest

from cube.store.aio import AsyncReads, numbered
from cube.store.errors import StoreError


def test_placeholders_are_numbered_in_order() -> None:
    assert numbered("SELECT ? WHERE a = ? AND b < ?") == "SELECT $1 WHERE a = $2 AND b < $3"
    assert numbered("SELECT 1") == "SELECT 1"


def test_rows_are_tuples_of_python_values(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("asyncio reads are PostgreSQL's; SQLite reads in a thread")
    reads = AsyncReads(database_url, 2)

    async def read() -> list[tuple]:
        return await reads.rows("SELECT ?::bigint + 1, ?::text, 2.5::float8", [41, "x"])

    try:
        assert asyncio.run(read()) == [(42, "x", 2.5)]
    finally:
        reads.discard()


def test_a_server_that_does_not_answer_is_a_store_error() -> None:
    reads = AsyncReads("postgresql://postgres@127.0.0.1:1/none", 1)
    with pytest.raises(StoreError, match=r"^cannot connect to postgresql://postgres@127.0.0.1:1"):
        asyncio.run(reads.rows("SELECT 1"))
