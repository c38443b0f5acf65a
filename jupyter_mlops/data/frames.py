"""A stable digest of a pandas DataFrame, computed from its data and logical schema.

Not from Parquet bytes (those change with the writer's version and settings) and not from a
sample: every row of every column and of the index goes into a full-length BLAKE3 digest.
Each column contributes its name, a logical type that does not depend on how pandas holds it
in memory, and a canonical encoding of its values:

- integers, floats, booleans: little-endian values, nulls zeroed, plus a null bitmap (NaN and
  NA are one null; NumPy ``int64`` and nullable ``Int64`` holding the same values are equal);
- dates and times: int64 nanoseconds since the epoch (UTC) and the time zone in the type;
- strings: Arrow's UTF-8 offsets and bytes, nulls as empty strings plus the bitmap;
- categoricals: their categories (as a column) and the codes, plus the ``ordered`` flag;
- anything else: the Arrow IPC encoding of the column (a format with a stability guarantee).

A default ``RangeIndex`` contributes only its length; any other index its values.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from ..errors import InvalidInput
from ..store.digest import hasher

FORMAT = b"jupyter-mlops/frame-digest/1"


def _field(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data


class _Column:
    """Feeds one column's canonical encoding into a hasher."""

    def __init__(self) -> None:
        self.hasher = hasher()
        self.size = 0

    def feed(self, data: Any) -> None:
        view = memoryview(data).cast("B")
        if self.size == 0:
            # The threaded hasher pays off only for a large first block; pick before it.
            self.hasher = hasher(view.nbytes)
        self.hasher.update(struct.pack("<Q", view.nbytes))
        self.hasher.update(view)
        self.size += view.nbytes

    def digest(self) -> bytes:
        return self.hasher.digest()


def frame_digest(frame: Any) -> str:
    """The content digest of ``frame``: its data and logical schema, every row and column.

    Parameters
    ----------
    frame:
        A pandas DataFrame with unique string column names.

    Returns
    -------
    str
        64 lowercase hex digits (BLAKE3).
    """
    import pandas as pd

    check_frame(frame)
    top = hasher()
    top.update(_field(FORMAT))
    top.update(struct.pack("<QQ", len(frame), frame.shape[1]))
    index = frame.index
    if isinstance(index, pd.RangeIndex):
        top.update(_field(f"range:{index.start}:{index.step}".encode()))
    else:
        for level in range(index.nlevels):
            values = index.get_level_values(level)
            label = f"index:{level}:{values.name!r}"
            _add(top, label, pd.Series(values, copy=False))
    for name in frame.columns:
        _add(top, f"column:{name}", frame[name])
    return top.hexdigest()


def check_frame(frame: Any) -> None:
    """Raise ``InvalidInput`` unless ``frame``'s columns are unique strings (as Parquet needs)."""
    import pandas as pd

    if isinstance(frame.columns, pd.MultiIndex):
        raise InvalidInput(
            "DataFrames with MultiIndex columns cannot be versioned: flatten them first, e.g. "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns]."
        )
    bad = [c for c in frame.columns if not isinstance(c, str)]
    if bad:
        raise InvalidInput(
            f"Column names must be strings, not {bad[0]!r}: rename them, e.g. "
            "df.columns = df.columns.astype(str)."
        )
    if frame.columns.has_duplicates:
        duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise InvalidInput(f"Column names must be unique; repeated: {', '.join(duplicated)}.")
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.SparseDtype):
            # Hashing and Parquet take dense values; say so instead of numpy's TypeError.
            raise InvalidInput(
                f"Column {name!r} is sparse ({frame[name].dtype}), which cannot be versioned: "
                f"make it dense first: df[{name!r}] = df[{name!r}].sparse.to_dense()."
            )
        _check_flat(name, frame[name])


_NESTED = (list, tuple, dict, set, frozenset, np.ndarray)


def _check_flat(name: str, series: Any) -> None:
    """Raise ``InvalidInput`` if object column ``name`` holds lists, dicts or other containers.

    Parquet would not give them back as they went in (lists return as NumPy arrays, tuples and
    sets as lists, dicts of differing keys gain null-filled keys, mixed ones fail mid-write), so
    they are refused before anything is stored.
    """
    from pandas.api import types

    if series.dtype != object:
        return
    # infer_dtype runs in C; only columns it cannot call plain scalars are walked in Python.
    if types.infer_dtype(series, skipna=True) not in ("mixed", "mixed-integer", "unknown-array"):
        return
    for value in series:
        if isinstance(value, _NESTED):
            raise InvalidInput(
                f"Column {name!r} holds {type(value).__name__} values, which cannot be "
                f"versioned exactly: convert it to JSON strings first, e.g. "
                f"df[{name!r}] = df[{name!r}].map(json.dumps)."
            )


def column_types(frame: Any) -> dict[str, str]:
    """Each column's pandas dtype as text, in column order."""
    return {str(name): str(dtype) for name, dtype in frame.dtypes.items()}


def _add(top: Any, label: str, series: Any) -> None:
    logical, column = _encode(label, series)
    top.update(_field(label.encode("utf-8")))
    top.update(_field(logical.encode("utf-8")))
    top.update(column.digest())


def _encode(label: str, series: Any) -> tuple[str, _Column]:
    from pandas.api import types

    dtype = series.dtype
    column = _Column()
    if isinstance(dtype, _categorical()):
        categories = series.cat.categories
        inner, inner_column = _encode(label, categories.to_series(index=None))
        codes = series.cat.codes.to_numpy(dtype="<i8")
        column.feed(inner_column.digest())
        column.feed(codes)
        return f"category<{inner},ordered={bool(dtype.ordered)}>", column
    if types.is_bool_dtype(dtype):
        values, mask = _masked(series, np.bool_, False)
        _feed_masked(column, values.view(np.uint8), mask)
        return "bool", column
    if types.is_integer_dtype(dtype):
        numpy = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        values, mask = _masked(series, numpy.newbyteorder("<"), 0)
        _feed_masked(column, values, mask)
        return f"{'u' if numpy.kind == 'u' else ''}int{numpy.itemsize * 8}", column
    if types.is_float_dtype(dtype):
        numpy = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        values, mask = _masked(series, numpy.newbyteorder("<"), np.nan)
        mask = mask | np.isnan(values)
        values = np.where(mask, 0, values).astype(numpy.newbyteorder("<"), copy=False)
        _feed_masked(column, values, mask)
        return f"float{numpy.itemsize * 8}", column
    if (types.is_datetime64_any_dtype(dtype) or types.is_timedelta64_dtype(dtype)) \
            and hasattr(series.array, "asi8"):
        return _temporal(series, column)
    # Strings, bytes, Arrow-backed and nested types.
    return _arrow(label, series, column)


def _categorical() -> type:
    import pandas as pd

    return pd.CategoricalDtype


def _masked(series: Any, numpy: Any, fill: Any) -> tuple[np.ndarray, np.ndarray]:
    mask = series.isna().to_numpy(dtype=bool)
    values = series.to_numpy(dtype=numpy, na_value=fill) if mask.any() \
        else series.to_numpy(dtype=numpy)
    return np.ascontiguousarray(values), mask


def _feed_masked(column: _Column, values: np.ndarray, mask: np.ndarray) -> None:
    column.feed(np.packbits(mask, bitorder="little"))
    column.feed(np.ascontiguousarray(values))


def _temporal(series: Any, column: _Column) -> tuple[str, _Column]:
    from pandas.api import types

    array = series.array
    kind = "timestamp" if types.is_datetime64_any_dtype(series.dtype) else "duration"
    unit = "ns"
    try:
        # Nanoseconds whatever the unit held, so ns and us columns of the same instants match.
        array = array.as_unit("ns")
    except (OverflowError, ValueError):
        # Out of the nanosecond range (dates before 1677 or after 2262): keep the own unit.
        unit = str(getattr(array, "unit", "ns"))
    mask = series.isna().to_numpy(dtype=bool)
    values = np.asarray(array.asi8 if hasattr(array, "asi8") else array.view("i8"),
                        dtype="<i8").copy()
    values[mask] = 0
    _feed_masked(column, values, mask)
    zone = getattr(series.dtype, "tz", None)
    suffix = f",tz={zone}" if zone is not None else ""
    return f"{kind}[{unit}{suffix}]", column


def _arrow(label: str, series: Any, column: _Column) -> tuple[str, _Column]:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        kinds = sorted({type(v).__name__ for v in series.dropna().iloc[:1000]})
        raise InvalidInput(
            f"Cannot version {label.split(':', 1)[-1]!r}: it holds Python objects "
            f"({', '.join(kinds)}) with no columnar form; convert it, e.g. .astype(str)."
        ) from exc
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    mask = np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) \
            or pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type):
        text = pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
        target = pa.large_string() if text else pa.large_binary()
        filled = pc.fill_null(array.cast(target), "" if text else b"")
        offsets = np.frombuffer(filled.buffers()[1], dtype="<i8")[
            filled.offset:filled.offset + len(filled) + 1]
        data = filled.buffers()[2]
        start, end = (int(offsets[0]), int(offsets[-1])) if len(offsets) else (0, 0)
        _feed_masked(column, offsets - start, mask)
        column.feed(memoryview(data)[start:end] if data is not None else b"")
        return "string" if text else "binary", column
    if pa.types.is_null(array.type):
        column.feed(np.packbits(mask, bitorder="little"))
        return "null", column
    sink = pa.BufferOutputStream()
    batch = pa.record_batch([array], names=["value"])
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    column.feed(sink.getvalue())
    return f"arrow:{array.type}", column
