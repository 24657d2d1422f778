"""Reads from the event loop: the real-time path without a worker thread.

A sync route costs two thread hand-offs a request (the key check and the handler),
and every database round trip inside them gives up and takes back the GIL; at a few
hundred requests a second on two cores that hand-off, not the database, sets the
latency. `AsyncReads.rows` runs one read-only statement on an asyncio psycopg
connection instead (autocommit: one round trip), so the offers request and its key
check never leave the event loop.

Connections belong to the loop that opened them, so the pool is per loop: a new loop
(a test client's) gets a new pool and the old one's connections are closed. SQLite has
no asyncio driver; its backend runs the same read in a worker thread
(`Backend.read_rows`).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from cube.store.backend import Params, pg_sql, redact
from cube.store.errors import StoreError


class _LoopPool:
    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.idle: list[Any] = []
        self.slots = asyncio.Semaphore(size)


class AsyncReads:
    """Read-only statements on a per-loop pool of asyncio PostgreSQL connections."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self.size = size
        self._pool: _LoopPool | None = None

    def _current(self) -> _LoopPool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool.loop is not loop:
            self.discard()
            self._pool = _LoopPool(loop, self.size)
        return self._pool

    async def _connect(self) -> Any:
        import psycopg

        try:
            return await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {redact(self.url)}: {exc}") from exc

    async def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row of one read-only statement (`?` placeholders, as in Tx)."""
        pool = self._current()
        async with pool.slots:
            conn = pool.idle.pop() if pool.idle else await self._connect()
            try:
                cur = await conn.execute(pg_sql(sql), params, binary=True)
                rows = await cur.fetchall()
            except BaseException:
                # A failed or cancelled read may leave the connection mid-protocol.
                with contextlib.suppress(Exception):
                    await conn.close()
                raise
            pool.idle.append(conn)
            return rows

    def discard(self) -> None:
        """Drop the pool's idle connections (closing the sockets without the loop)."""
        if self._pool is None:
            return
        for conn in self._pool.idle:
            conn.pgconn.finish()
        self._pool = None
