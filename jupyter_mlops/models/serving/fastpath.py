"""The numeric fast path: an all-float model predicts on a bare array, not a DataFrame.

scikit-learn spends most of a one-row prediction checking a DataFrame's column names against
those it was fitted with. When the signature lists exactly those names, all of type double,
and the server has already put a request's columns in that order, the array says the same
thing. Whether a model qualifies is proven once per loaded version, by predicting the input
example both ways: a pipeline that selects columns by name fails or differs, and keeps the
DataFrame path.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..loaded import LoadedModel

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

NAMES_WARNING = "X does not have valid feature names"


def numeric_columns(loaded: LoadedModel) -> tuple[str, ...] | None:
    """The column order for which ``loaded`` may predict on a float array, or None."""
    signature = loaded.signature
    if loaded.flavor != "sklearn" or signature is None or signature.is_tensor:
        return None
    names = tuple(c.name for c in signature.columns)
    if not names or any(c.type != "double" or not c.required for c in signature.columns):
        return None
    fitted = getattr(loaded.model, "feature_names_in_", None)
    if fitted is None or tuple(str(n) for n in fitted) != names:
        return None
    import numpy as np
    import pandas as pd

    example = loaded.input_example
    if example is None or list(example.columns) != list(names):
        example = pd.DataFrame(np.zeros((2, len(names))), columns=list(names))
    sample = example.astype("float64")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            by_frame = loaded.model.predict(sample)
            by_array = loaded.model.predict(sample.to_numpy())
    except Exception:
        return None
    if not np.array_equal(np.asarray(by_frame), np.asarray(by_array)):
        return None
    # The server process answers many requests with arrays that carry no names on purpose;
    # scikit-learn would warn on each one.
    warnings.filterwarnings("ignore", message=NAMES_WARNING, category=UserWarning)
    return names


def prepared(loaded: LoadedModel, fast: tuple[str, ...] | None,
             rows: Any) -> pd.DataFrame | np.ndarray:
    """What the model predicts on for ``NumericRows``: the array itself when its columns are
    the fast path's, else the signature-checked DataFrame."""
    if fast is not None and rows.columns == fast:
        return rows.array
    return loaded.prepare(rows.frame())
