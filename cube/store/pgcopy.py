"""PostgreSQL's binary COPY format, encoded from Arrow tables without a per-row loop.

Why binary: the server parses CSV field by field (quotes, numbers from text); the same
million orders copy in about 3 s in binary against 4.5 s as CSV, and the encoding
below costs the client what writing CSV did (about 1 s per million).

How: every row is one field count, then per field a 4-byte length and the value, all
big-endian. With the fixed-width columns first (`column_order`), each row begins with a
block of identical layout, filled for all rows at once through a numpy record array;
each text column adds its length prefix and bytes; one Arrow `binary_join_element_wise`
lays the pieces of every row side by side, and the joined values' data buffer is the
COPY data (64-bit offsets, so a batch may hold more than 2 GB of text). Values must
not be null (the loader refuses nulls before encoding).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"  # field count -1
# Arrow type -> big-endian numpy code of the PostgreSQL binary value (int4, int8, float8).
_FIXED = {"int32": ">i4", "int64": ">i8", "double": ">f8"}


def column_order(schema: pa.Schema) -> list[str]:
    """The column names with the fixed-width ones first (the order `encode` needs)."""
    fixed = [f.name for f in schema if str(f.type) in _FIXED]
    return fixed + [f.name for f in schema if str(f.type) not in _FIXED]


def encode(table: pa.Table) -> pa.Buffer:
    """The rows of `table` (columns in `column_order`; int32, int64, double and string
    columns, no nulls) as binary COPY tuples, without header or trailer."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if table.column_names != column_order(table.schema):
        raise ValueError(f"columns not in fixed-width-first order: {table.column_names}")
    n = table.num_rows
    if n == 0:
        return pa.py_buffer(b"")
    fixed = [c for c in table.columns if str(c.type) in _FIXED]
    layout = [("fields", ">i2")]
    for i, column in enumerate(fixed):
        layout += [(f"l{i}", ">i4"), (f"v{i}", _FIXED[str(column.type)])]
    block = np.empty(n, np.dtype(layout))
    block["fields"] = table.num_columns
    for i, column in enumerate(fixed):
        block[f"l{i}"] = np.dtype(_FIXED[str(column.type)]).itemsize
        block[f"v{i}"] = column.to_numpy()
    pieces = [_as_binary(block.view(np.uint8).reshape(n, -1))]
    for column in table.columns[len(fixed) :]:
        values = column.combine_chunks().cast(pa.large_binary())
        lengths = pc.binary_length(values).to_numpy(zero_copy_only=False).astype(">i4")
        pieces += [_as_binary(lengths.view(np.uint8).reshape(n, 4)), values]
    rows = pc.binary_join_element_wise(*pieces, pa.scalar(b"", pa.large_binary()))
    offsets = np.frombuffer(rows.buffers()[1], np.int64, n + 1, rows.offset)
    return rows.buffers()[2][int(offsets[0]) : int(offsets[-1])]


def _as_binary(matrix: np.ndarray) -> pa.Array:
    """Each row of a 2-d uint8 matrix as one binary value."""
    import numpy as np
    import pyarrow as pa

    n, width = matrix.shape
    buffer = pa.py_buffer(np.ascontiguousarray(matrix))
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, buffer]).cast(
        pa.large_binary()
    )
