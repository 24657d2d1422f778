"""`generate`: write a synthetic operator's warehouse extracts and their hidden truth.

Output layout: raw_dir/<table>/part-NNNNN.parquet for every table of `cube.contract`
(dimension tables in one part, per-subscriber tables one part per chunk), and
truth_dir/params.json plus truth_dir/propensity/part-NNNNN.parquet. Subscribers are
processed chunk by chunk, so memory stays flat whatever the total; both directories are
replaced atomically at the end (`cube.data.staging`).
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from cube.contract import TABLES, table
from cube.data.arrow import Column, build_table, write_part
from cube.data.behaviour import default_params
from cube.data.staging import staged
from cube.data.truth import PARAMS_FILE, PROPENSITY, PROPENSITY_DIR, TruthManifest
from cube.data.world import Chunk, World, build_world, chunk_tables, dimension_tables
from cube.errors import InputError

DEFAULT_CHUNK_SIZE = 250_000
RAW_ENTRIES = frozenset(t.name for t in TABLES)
TRUTH_ENTRIES = frozenset({PARAMS_FILE, PROPENSITY_DIR})


class TableOutput(BaseModel):
    """One written table: rows, Parquet parts, bytes on disk, final location."""

    model_config = ConfigDict(extra="forbid")

    rows: int
    files: int
    bytes: int
    path: Path


class GenerateReport(BaseModel):
    """What `generate` wrote and what it cost; `cube data generate --json` prints it."""

    model_config = ConfigDict(extra="forbid")

    subscribers: int
    own_subscribers: int
    other_subscribers: int
    seed: int
    as_of: dt.date
    chunk_size: int
    chunks: int
    raw_dir: Path
    truth_dir: Path
    tables: dict[str, TableOutput]
    truth_params: Path
    truth_tables: dict[str, TableOutput]
    seconds: float
    peak_rss_mb: float


class _PartWriter:
    """Writes contract-checked Parquet parts under a staging root and counts them."""

    def __init__(self, staging: Path, final: Path):
        self.staging, self.final = staging, final
        self.outputs: dict[str, TableOutput] = {}

    def write(self, spec_name: str, columns: dict[str, Column], part: int) -> None:
        spec = PROPENSITY if spec_name == PROPENSITY.name else table(spec_name)
        data = build_table(spec, columns)
        path = write_part(spec, data, self.staging / spec_name, part)
        out = self.outputs.setdefault(
            spec_name, TableOutput(rows=0, files=0, bytes=0, path=self.final / spec_name)
        )
        out.rows += data.num_rows
        out.files += 1
        out.bytes += path.stat().st_size


def generate(
    raw_dir: Path,
    truth_dir: Path,
    *,
    subscribers: int,
    seed: int,
    as_of: dt.date,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> GenerateReport:
    """Generate `subscribers` lines as of `as_of`; same arguments, byte-identical files."""
    raw_dir, truth_dir = Path(raw_dir).absolute(), Path(truth_dir).absolute()
    _check_arguments(raw_dir, truth_dir, subscribers, seed, chunk_size)
    started = time.perf_counter()
    params = default_params()
    world = build_world(seed, as_of, params)
    chunks = -(-subscribers // chunk_size)
    with staged({raw_dir: RAW_ENTRIES, truth_dir: TRUTH_ENTRIES}) as (raw_tmp, truth_tmp):
        raw = _PartWriter(raw_tmp, raw_dir)
        truth = _PartWriter(truth_tmp, truth_dir)
        for name, columns in dimension_tables(world).items():
            raw.write(name, columns, 0)
        own = _write_chunks(world, raw, truth, subscribers, chunk_size, on_progress)
        manifest = TruthManifest(
            subscribers=subscribers, seed=seed, as_of=as_of, chunk_size=chunk_size, params=params
        )
        (truth_tmp / PARAMS_FILE).write_text(manifest.model_dump_json(indent=2) + "\n")
    return GenerateReport(
        subscribers=subscribers,
        own_subscribers=own,
        other_subscribers=subscribers - own,
        seed=seed,
        as_of=as_of,
        chunk_size=chunk_size,
        chunks=chunks,
        raw_dir=raw_dir,
        truth_dir=truth_dir,
        tables={t.name: raw.outputs[t.name] for t in TABLES},
        truth_params=truth_dir / PARAMS_FILE,
        truth_tables=truth.outputs,
        seconds=round(time.perf_counter() - started, 3),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )


def _write_chunks(
    world: World,
    raw: _PartWriter,
    truth: _PartWriter,
    subscribers: int,
    chunk_size: int,
    on_progress: Callable[[int], None] | None,
) -> int:
    """Draw every chunk and write it; returns how many lines are own-network.

    A writer thread encodes chunk k while chunk k+1 is drawn (Parquet encoding and most
    numpy work release the GIL), so at most two chunks are in memory at once.
    """
    own = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet") as writer:
        pending: tuple[Future[None], int] | None = None
        for chunk in range(-(-subscribers // chunk_size)):
            n = min(chunk_size, subscribers - chunk * chunk_size)
            drawn = chunk_tables(world, chunk, chunk * chunk_size, n)
            own += drawn.own
            if pending is not None:
                _finish(pending, on_progress)
            pending = (writer.submit(_write_chunk, raw, truth, drawn, chunk), n)
        if pending is not None:
            _finish(pending, on_progress)
    return own


def _write_chunk(raw: _PartWriter, truth: _PartWriter, drawn: Chunk, chunk: int) -> None:
    for name, columns in drawn.raw.items():
        raw.write(name, columns, chunk)
    truth.write(PROPENSITY.name, drawn.propensity, chunk)


def _finish(pending: tuple[Future[None], int], on_progress: Callable[[int], None] | None) -> None:
    """Wait for a chunk's write (re-raising its error) and report its subscribers."""
    future, n = pending
    future.result()
    if on_progress is not None:
        on_progress(n)


def _check_arguments(
    raw_dir: Path, truth_dir: Path, subscribers: int, seed: int, chunk_size: int
) -> None:
    """Reject arguments that cannot produce a sensible world, naming the argument."""
    if subscribers < 1:
        raise InputError(f"subscribers must be at least 1, got {subscribers}")
    if not 0 <= seed < 2**63:
        raise InputError(f"seed must be a non-negative integer below 2**63, got {seed}")
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, got {chunk_size}")
    if subscribers >= 2**32:
        raise InputError(f"subscribers must be below 2**32 (the id space), got {subscribers}")
    if raw_dir == truth_dir or raw_dir in truth_dir.parents or truth_dir in raw_dir.parents:
        raise InputError(
            f"raw and truth directories must be separate, got {raw_dir} and {truth_dir}"
        )
