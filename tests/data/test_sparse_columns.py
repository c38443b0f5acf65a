"""A sparse column is refused with one line saying what to do (issue 15), not numpy's TypeError."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidInput


def test_a_sparse_column_is_one_clear_error_and_the_dense_frame_versions(tracking: Any) -> None:
    frame = pd.DataFrame({"id": [1, 2, 3], "a": pd.arrays.SparseArray([0.0, 0.0, 1.0])})
    with pytest.raises(InvalidInput, match=r"Column 'a' is sparse .*"
                                           r"df\['a'\] = df\['a'\]\.sparse\.to_dense\(\)"):
        mlops.version_data(frame, "sparse")
    dense = frame.copy()
    dense["a"] = dense["a"].sparse.to_dense()  # the fix the message gives
    version = mlops.version_data(dense, "sparse")
    assert version.version == 1
    pd.testing.assert_frame_equal(mlops.load_data("sparse@1"), dense)
