"""Contract tables as Arrow: schemas, typed columns from numpy, Parquet parts.

Every table the generator writes goes through `build_table`, which takes the column
order, types and nullability from `cube.contract`, so the files match the contract
by construction rather than by care.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cube.contract import TableSpec

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
PART_NAME = "part-{:05d}.parquet"
COMPRESSION = "zstd"

Column = pa.Array | np.ndarray


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The Arrow schema of a contract table: names, order, types, nullability."""
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.dtype], nullable=c.nullable) for c in spec.columns]
    )


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """date32 from days since 1970-01-01; `null` marks missing values."""
    return pa.array(days.astype(np.int32, copy=False), mask=null).view(pa.date32())


def timestamps(micros: np.ndarray) -> pa.Array:
    """UTC microsecond timestamps from int64 microseconds since the epoch."""
    return pa.array(micros.astype(np.int64, copy=False)).view(ARROW_TYPES["timestamp"])


def values(data: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """A numeric or boolean array with `null` marking missing values."""
    return pa.array(data, mask=null)


def pick(labels: pa.Array, index: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """labels[index] as a string column; `null` marks missing values (index ignored there)."""
    taken = labels.take(pa.array(np.where(null, 0, index) if null is not None else index))
    if null is None:
        return taken
    return pc.if_else(pa.array(null), pa.scalar(None, labels.type), taken)


def prefixed_numbers(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Strings like 'CT000000000042': a prefix and zero-padded non-negative numbers."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers.astype(np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def build_table(spec: TableSpec, columns: Mapping[str, Column]) -> pa.Table:
    """A table with exactly the contract's columns; fails naming the column on a mismatch."""
    schema = arrow_schema(spec)
    expected = set(schema.names)
    if set(columns) != expected:
        missing = sorted(expected - set(columns))
        extra = sorted(set(columns) - expected)
        raise ValueError(f"{spec.name}: columns missing {missing}, unexpected {extra}")
    arrays = []
    for field in schema:
        array = columns[field.name]
        array = array if isinstance(array, pa.Array) else pa.array(array)
        if array.type != field.type:
            array = array.cast(field.type)
        if not field.nullable and array.null_count:
            raise ValueError(f"{spec.name}.{field.name}: {array.null_count} nulls, not nullable")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=schema)


def write_part(spec: TableSpec, table: pa.Table, directory: Path, part: int) -> Path:
    """Write one Parquet part (zstd) into `directory`; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PART_NAME.format(part)
    pq.write_table(table, path, compression=COMPRESSION, use_dictionary=dictionary_columns(spec))
    return path


def dictionary_columns(spec: TableSpec) -> list[str]:
    """Columns worth dictionary-encoding: repeated strings and dates.

    Measures and unique keys gain nothing from a dictionary and cost write time (the
    encoder builds one before falling back), about half the time of a usage part.
    """
    unique_key = spec.key[0] if len(spec.key) == 1 else None
    return [c.name for c in spec.columns if c.dtype in ("string", "date") and c.name != unique_key]
