"""Request bodies of MLflow's scoring protocol, turned into what a model predicts on.

JSON bodies hold exactly one of ``dataframe_split`` (``{"columns": [...], "data": [[...]]}``),
``dataframe_records`` (``[{column: value}, ...]``), ``instances`` or ``inputs`` (records, a
dict of columns, or rows of values); ``text/csv`` bodies are a table with a header. Anything
else is a ``MalformedRequest`` (HTTP 400); a body that parses but does not fit the model's
signature is the signature's error (HTTP 422).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..signature import Signature

PARQUET = "application/vnd.apache.parquet"
FORMS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_NUMERIC = frozenset({"double", "float"})


class MalformedRequest(InvalidInput):
    """A request body that is not one of the accepted forms."""


@dataclass(frozen=True)
class NumericRows:
    """Rows whose every value is a number, for float columns: one float64 array, so the
    server can skip per-column type inference (``frame()`` builds the DataFrame on demand)."""

    columns: tuple[str, ...]
    array: Any

    def __len__(self) -> int:
        return len(self.array)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.array, columns=list(self.columns))


def parse(body: bytes, content_type: str | None, signature: Signature | None,
          warnings: list[str] | None = None) -> pd.DataFrame | np.ndarray | NumericRows:
    """The model input a request body holds.

    Parameters
    ----------
    body:
        The raw request body.
    content_type:
        The request's Content-Type (``application/json`` when missing).
    signature:
        The model's signature, which decides how positional rows are named.
    warnings:
        Gets one line for each part of the request that was ignored (``params`` the model
        does not declare, as MLflow ignores them).

    Returns
    -------
    pandas.DataFrame, numpy.ndarray or NumericRows
    """
    kind = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if kind == "text/csv":
        return _csv(body)
    if kind == PARQUET:
        return _parquet(body)
    if kind not in ("application/json", "application/*", "*/*", ""):
        raise MalformedRequest(
            f"Unsupported content type {kind!r}: send application/json, text/csv or {PARQUET}."
        )
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"The body is not valid JSON: {exc}.") from None
    if not isinstance(document, dict):
        raise MalformedRequest(
            f"The JSON body must be an object with one of {', '.join(FORMS)}."
        )
    forms = [key for key in FORMS if key in document]
    extra = sorted(set(document) - set(FORMS) - {"params"})
    if len(forms) != 1 or extra:
        raise MalformedRequest(
            f"The JSON body must hold exactly one of {', '.join(FORMS)}"
            + (f"; unexpected keys: {', '.join(extra)}" if extra else "")
            + (f"; got {', '.join(forms)}" if len(forms) > 1 else "") + "."
        )
    params = document.get("params")
    if params:
        if not isinstance(params, dict):
            raise MalformedRequest("'params' must be an object of names and values.")
        if warnings is not None:
            warnings.append(f"ignored params the model does not declare: "
                            f"{', '.join(sorted(map(str, params)))}")
    form = forms[0]
    value = document[form]
    try:
        if form == "dataframe_split":
            return _split(value, signature)
        if form == "dataframe_records":
            return _records(value)
        return _instances(value, signature)
    except (ValueError, TypeError) as exc:
        # pandas and NumPy reject ragged rows and mismatched lengths with these.
        raise MalformedRequest(f"The {form} input is not a table: {exc}.") from None


def _parquet(body: bytes) -> pd.DataFrame:
    import io

    import pandas as pd

    try:
        return pd.read_parquet(io.BytesIO(body))
    except ImportError as exc:
        raise MalformedRequest(f"Parquet bodies need pyarrow on the server: {exc}.") from None
    except Exception as exc:  # pyarrow raises its own error types for a broken file
        raise MalformedRequest(f"The body is not a readable Parquet file: {exc}.") from None


def _split(value: Any, signature: Signature | None) -> pd.DataFrame | np.ndarray | NumericRows:
    import pandas as pd

    if not isinstance(value, dict) or "data" not in value:
        raise MalformedRequest('dataframe_split must be {"columns": [...], "data": [[...]]}.')
    data = value["data"]
    columns = value.get("columns")
    if not isinstance(data, list):
        raise MalformedRequest("dataframe_split's data must be a list of rows.")
    if columns is None:
        if signature is not None and not signature.is_tensor:
            columns = [c.name for c in signature.columns]
        else:
            return _array(data)
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise MalformedRequest("dataframe_split's columns must be a list of names.")
    if data and not isinstance(data[0], list):
        data = [data]
    width = len(columns)
    for row in data:
        if not isinstance(row, list) or len(row) != width:
            raise MalformedRequest(
                f"Every dataframe_split row must be a list of {width} values (one per column)."
            )
    fast = _numeric_block(data, columns, signature)
    if fast is not None:
        return NumericRows(tuple(columns), fast)
    return pd.DataFrame(data, columns=columns)


def _numeric_block(data: list, columns: list[str],
                   signature: Signature | None) -> np.ndarray | None:
    """The rows as one float array when every column is a float column and every value a
    number: a single allocation instead of per-column type inference."""
    if signature is None or signature.is_tensor or not data:
        return None
    types = {c.name: c.type for c in signature.columns}
    if any(types.get(name) not in _NUMERIC for name in columns):
        return None
    for row in data:
        for item in row:
            kind = type(item)
            if kind is not float and kind is not int:
                return None
    import numpy as np

    return np.asarray(data, dtype=np.float64)


def _records(value: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise MalformedRequest("dataframe_records must be a list of {column: value} objects.")
    return pd.DataFrame.from_records(value)


def _instances(value: Any, signature: Signature | None) -> pd.DataFrame | np.ndarray | NumericRows:
    import pandas as pd

    if isinstance(value, dict):
        if not all(isinstance(v, list) for v in value.values()):
            value = {k: [v] for k, v in value.items()}
        return pd.DataFrame(value)
    if not isinstance(value, list):
        raise MalformedRequest("instances must be a list of records or rows, or a dict of "
                               "columns.")
    if value and all(isinstance(r, dict) for r in value):
        return pd.DataFrame.from_records(value)
    if signature is not None and not signature.is_tensor:
        return _split({"data": value}, signature)
    return _array(value)


def _array(value: Any) -> np.ndarray:
    import numpy as np

    array = np.asarray(value)
    if array.dtype == object:
        raise MalformedRequest("The rows are ragged or mix types: send rows of equal length.")
    return array


def _csv(body: bytes) -> pd.DataFrame:
    import io

    import pandas as pd

    try:
        return pd.read_csv(io.BytesIO(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"The body is not a CSV table with a header: {exc}.") from None
