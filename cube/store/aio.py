"""Reads from the event loop: the real-time path without a worker thread.

A sync route costs two thread hand-offs a request (the key check and the handler),
and every database round trip inside them gives up and takes back the GIL; at a few
hundred requests a second on two cores that hand-off, not the database, sets the
latency. `AsyncReads.rows` runs one read-only statement on an asyncpg connection
instead (outside a transaction block: one round trip), so the offers request and its
key check never leave the event loop.

asyncpg rather than asyncio psycopg: the same statement (prepared by both) cost
~90 us of client CPU against ~150 us, and the client's CPU is the real-time
path's budget on a two-core machine. The sync store keeps psycopg.

Connections belong to the loop that opened them, so the pool is per loop: a new loop
(a test client's) gets a new pool and the old one's connections are closed. SQLite has
no asyncio driver; its backend runs the same read in a worker thread
(`Backend.read_rows`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from functools import lru_cache
from typing import Any

from cube.store.backend import redact
from cube.store.errors import StoreError
from cube.store.tx import Params

_PLACEHOLDER = re.compile(r"\?")


class _LoopPool:
    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.idle: list[Any] = []
        self.slots = asyncio.Semaphore(size)


@lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """Store SQL's `?` placeholders as asyncpg's `$1, $2, ...` (no literal `?` in it)."""
    count = iter(range(1, sql.count("?") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(count)}", sql)


class AsyncReads:
    """Read-only statements on a per-loop pool of asyncpg PostgreSQL connections."""

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
        import asyncpg

        try:
            return await asyncpg.connect(self.url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"cannot connect to {redact(self.url)}: {exc}") from exc

    async def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Every row of one read-only statement (`?` placeholders, as in Tx)."""
        import asyncpg

        pool = self._current()
        async with pool.slots:
            conn = pool.idle.pop() if pool.idle else await self._connect()
            try:
                # asyncpg prepares each statement once per connection (its cache).
                records = await conn.fetch(numbered(sql), *params)
            except BaseException as exc:
                # A failed or cancelled read may leave the connection mid-protocol.
                with contextlib.suppress(Exception):
                    conn.terminate()
                if isinstance(exc, OSError | asyncpg.InterfaceError):
                    raise StoreError(f"lost the connection to {redact(self.url)}: {exc}") from exc
                raise
            pool.idle.append(conn)
            return [tuple(r) for r in records]

    def discard(self) -> None:
        """Drop the pool's idle connections (closing the sockets without the loop)."""
        if self._pool is None:
            return
        for conn in self._pool.idle:
            with contextlib.suppress(Exception):
                conn.terminate()
        self._pool = None
