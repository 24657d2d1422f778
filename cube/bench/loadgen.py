"""Open-loop load generator for the real-time offers benchmark (run as its own process).

`python -m cube.bench.loadgen --port P --token T --rate R --seconds S --subscribers N`
sends `GET /v1/subscribers/{id}/offers` for random subscribers at a fixed rate and
prints one JSON object of latency figures on stdout.

Open loop, so a slow server cannot slow the client down and hide its own latency
(coordinated omission): request i is due at start + i / rate, and its latency runs
from that due time, not from when a connection became free, to the last byte of the
response. One slot in `outcome_every` also posts an outcome: it shows the first offer
it got (`POST /v1/impressions`, which leases it) and posts a result for it with the
lease token (`POST /v1/results`); those two requests are timed on their own.

The HTTP/1.1 client is a few lines over asyncio streams with keep-alive connections
(a pool grows on demand up to `--connections`): a general client costs more CPU per
request than the server under test, on a machine where both share two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import time
import uuid
from collections import Counter, defaultdict, deque
from typing import Any

OUTCOMES = ("contacted", "declined", "accepted", "no_answer")


class Connection:
    """One keep-alive HTTP/1.1 connection; `request` returns (status, body)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
        self.writer.write(head + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
                break
        return status, await self.reader.readexactly(length)


class Client:
    """A pool of keep-alive connections to one server, handed out in turn.

    Many terminals each hold their own connection: `start` opens `size` connections
    and they are used round robin (first in, first out), so a server with several
    worker processes sees its load spread the way many clients spread it. The pool
    grows, up to `limit`, only when every connection is busy.
    """

    def __init__(self, host: str, port: int, token: str, size: int, limit: int) -> None:
        self.host, self.port, self.size, self.limit = host, port, size, limit
        self.idle: deque[Connection] = deque()
        self.opened = 0
        self.available = asyncio.Condition()
        self.auth = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n".encode()

    async def start(self) -> None:
        for _ in range(self.size):
            self.idle.append(await self._open())
        self.opened = self.size

    async def _open(self) -> Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return Connection(reader, writer)

    async def acquire(self) -> Connection:
        async with self.available:
            while not self.idle and self.opened >= self.limit:
                await self.available.wait()
            if self.idle:
                return self.idle.popleft()
            self.opened += 1
        return await self._open()

    async def release(self, conn: Connection | None) -> None:
        async with self.available:
            if conn is None:
                self.opened -= 1
            else:
                self.idle.append(conn)
            self.available.notify()

    async def call(self, method: str, path: str, payload: Any = None) -> tuple[int, bytes]:
        body = b"" if payload is None else json.dumps(payload).encode()
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self.auth
        if payload is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n".encode()
        conn = await self.acquire()
        try:
            answer = await conn.request(head + b"\r\n", body)
        except BaseException:
            conn.writer.close()
            await self.release(None)
            raise
        await self.release(conn)
        return answer


class Recorder:
    """Latency samples (ms) and status counts per request kind."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.failures: Counter[str] = Counter()
        self.start = time.perf_counter()
        # The slowest requests with their due time (seconds into the run): shows whether
        # the tail is spread out or one stall.
        self.slowest: list[tuple[float, float, str]] = []

    def add(self, kind: str, since: float, status: int) -> None:
        took = (time.perf_counter() - since) * 1000
        self.samples[kind].append(took)
        self.statuses[kind][status] += 1
        self.slowest.append((round(took, 1), round(since - self.start, 3), kind))
        if len(self.slowest) > 64:
            self.slowest = sorted(self.slowest, reverse=True)[:8]

    def summary(self) -> dict[str, Any]:
        every = [v for values in self.samples.values() for v in values]
        out: dict[str, Any] = {"all": percentiles(every)}
        for kind, values in sorted(self.samples.items()):
            out[kind] = {**percentiles(values), "status": dict(self.statuses[kind])}
        out["failures"] = dict(self.failures)
        out["slowest"] = sorted(self.slowest, reverse=True)[:8]
        return out


def percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"n": len(ordered), "p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": at(1.0)}


async def slot(
    client: Client, record: Recorder, due: float, subscriber: int, touchpoint: str, outcome: bool
) -> None:
    """One scheduled request; an outcome slot goes on to show and answer an offer."""
    try:
        path = f"/v1/subscribers/{subscriber}/offers?touchpoint={touchpoint}&limit=3"
        status, body = await client.call("GET", path)
        record.add("offers", due, status)
        if outcome and status == 200:
            offers = json.loads(body)["offers"]
            if offers:
                await show_and_answer(client, record, offers[0]["order_id"], subscriber)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        record.failures[type(exc).__name__] += 1


async def show_and_answer(client: Client, record: Recorder, order_id: str, seed: int) -> None:
    started = time.perf_counter()
    status, body = await client.call("POST", "/v1/impressions", {"order_id": order_id})
    record.add("impression", started, status)
    if status != 200:
        return
    token = json.loads(body)["token"]
    result = {
        "order_id": order_id,
        "lease_token": token,
        "outcome": random.Random(seed).choice(OUTCOMES),
        "idempotency_key": uuid.uuid4().hex,
        "at": dt.datetime.now(dt.UTC).isoformat(),
    }
    started = time.perf_counter()
    status, _ = await client.call("POST", "/v1/results", {"results": [result]})
    record.add("result", started, status)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    client = Client(args.host, args.port, args.token, args.pool, args.connections)
    await client.start()
    record = Recorder()
    rand = random.Random(args.seed)
    touchpoints = args.touchpoints.split(",")
    total = int(args.rate * args.seconds)
    tasks: set[asyncio.Task[None]] = set()
    late = 0.0
    start = time.perf_counter() + 0.05
    record.start = start
    for i in range(total):
        due = start + i / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        late = max(late, -delay)
        task = asyncio.create_task(
            slot(
                client,
                record,
                due,
                rand.randint(1, args.subscribers),
                touchpoints[i % len(touchpoints)],
                i % args.outcome_every == args.outcome_every // 2,
            )
        )
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    sent = time.perf_counter() - start
    await asyncio.gather(*tasks)
    return {
        "target_rate": args.rate,
        "sent_rate": round(total / sent, 1),
        "requests": total,
        "connections": client.opened,
        "max_send_lag_ms": round(late * 1000, 2),
        **record.summary(),
    }


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cube.bench.loadgen")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, required=True, help="Requests per second.")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--subscribers", type=int, required=True, help="Ids 1..N are asked for.")
    parser.add_argument("--touchpoints", default="store_popup,internet")
    parser.add_argument("--outcome-every", type=int, default=100)
    parser.add_argument("--pool", type=int, default=32, help="Connections opened up front.")
    parser.add_argument("--connections", type=int, default=256, help="Most connections.")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # the standard loop measures the same thing, with more client CPU
        pass
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
