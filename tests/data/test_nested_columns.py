"""Columns of lists or dicts are refused before anything is stored, since Parquet changes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidInput, NotFound

NESTED: dict[str, list[Any]] = {
    # Would come back as NumPy arrays.
    "lists": [[1, 2], [3], []],
    "lists with a null": [[1, 2], None, [3]],
    "tuples": [(1, 2), (3,), ()],
    # Would gain each other's keys, filled with nulls, and ints would turn float.
    "dicts": [{"a": 1}, {"b": 2}, {}],
    # Would fail deep inside the Parquet writer.
    "mixed": ["a", [1], {"b": 2}],
    "ndarrays": [np.array([1, 2]), np.array([3]), np.array([], dtype="int64")],
}


@pytest.mark.parametrize("values", NESTED.values(), ids=NESTED.keys())
def test_a_nested_column_is_refused_up_front(
    tracking: Any, blob_count: Callable[[], int], values: list[Any]
) -> None:
    frame = pd.DataFrame({"id": [1, 2, 3], "tags": pd.Series(values, dtype=object)})
    before = blob_count()
    with pytest.raises(InvalidInput) as refused:
        mlops.version_data(frame, "events")
    message = str(refused.value)
    assert "\n" not in message
    assert "'tags'" in message and "JSON strings" in message and "json.dumps" in message
    assert blob_count() == before
    with pytest.raises(NotFound):
        mlops.load_data("events")


def test_the_suggested_fix_round_trips(tracking: Any) -> None:
    frame = pd.DataFrame({"id": [1, 2], "tags": [{"a": 1}, {"b": [2, 3]}]})
    frame["tags"] = frame["tags"].map(json.dumps)
    version = mlops.version_data(frame, "events")
    loaded = mlops.load_data(version.ref)
    pdt.assert_frame_equal(loaded, frame)
    assert loaded["tags"].map(json.loads).tolist() == [{"a": 1}, {"b": [2, 3]}]


def test_object_columns_of_scalars_still_version(tracking: Any) -> None:
    frame = pd.DataFrame({"mixed": pd.Series([1, "two", None], dtype=object).astype(str)})
    pdt.assert_frame_equal(mlops.load_data(mlops.version_data(frame, "plain").ref), frame)
