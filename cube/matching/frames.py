"""Intermediate frames a match reads more than once: stored once, lineage cut, released.

A match builds its result in steps (the staged candidates, each fallback round's replay
and settled rows), and each step reads the one before it more than once. Persisting
would store the rows but keep every step's whole plan: each round's query, and the three
tables written at the end, would then carry, analyse and plan the lineage of every
round before it. Measured on the 1M benchmark, storing them as local checkpoints
instead (rows kept in memory, then on disk, and the plan reduced to a scan of them)
took a fresh-process `cube match` from 92.7 s to 80.4 s together with ranking once at
the end (cube.matching.stages.finish), with identical outputs.

The price is that a stored block cannot be recomputed: on a cluster, losing an executor
fails the run instead of recomputing the lost rows. A run writes nothing until it is
complete (cube.matching.outputs), so a failed run leaves nothing behind and is re-run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def store(frame: DataFrame) -> DataFrame:
    """`frame` computed now and kept (memory, then disk), its plan reduced to a scan of
    the kept rows; the partitioning it had is kept too, so a window on the same keys
    does not shuffle again. Release it with `release` once nothing reads it."""
    from pyspark import StorageLevel

    return frame.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)


def release(frames: Iterable[DataFrame | None]) -> None:
    """Drop the rows `store` kept for `frames` (any other frame is left alone).

    `DataFrame.unpersist` does not reach a checkpoint's blocks: they belong to the RDD
    under the frame's plan, which is unpersisted here. Without this they would stay
    until the JVM's garbage collector and Spark's cleaner found them unreferenced,
    which in a long-lived process (the flows, the demo) can be much later.
    """
    for frame in frames:
        rdd = None if frame is None else _stored_rdd(frame)
        if rdd is not None:
            rdd.unpersist(False)


def stored_id(frame: DataFrame) -> int | None:
    """The id of the RDD whose blocks `store` kept for `frame` (None for another frame):
    what `SparkContext.getPersistentRDDs` lists while the blocks are kept."""
    rdd = _stored_rdd(frame)
    return None if rdd is None else int(rdd.id())


def _stored_rdd(frame: DataFrame) -> Any:
    """The JVM RDD under a stored frame's plan (a scan of it), else None."""
    plan = frame._jdf.queryExecution().analyzed()
    return plan.rdd() if plan.getClass().getSimpleName() == "LogicalRDD" else None
