"""Model signatures: the input columns and types a model expects, and the kind of its output.

Column types use MLflow's names (boolean, integer, long, float, double, string, binary,
datetime) plus ``any`` for a column whose presence alone is checked, so signatures read the
same in both tools. A model trained on an array has a tensor input instead: a type and a
width. ``Signature.validate`` returns the data the model expects (columns in training order,
safe casts applied, extra columns dropped) or raises ``SignatureMismatch`` listing every
missing and mistyped column at once.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TYPES = ("boolean", "integer", "long", "float", "double", "string", "binary", "datetime", "any")
_NUMPY = {"boolean": "bool", "integer": "int32", "long": "int64", "float": "float32",
          "double": "float64"}


class SignatureMismatch(InvalidInput):
    """Input that does not match a model's signature; ``problems`` lists each mismatch."""

    def __init__(self, model: str, missing: list[str], mistyped: list[str],
                 other: list[str] | None = None) -> None:
        self.missing = missing
        self.mistyped = mistyped
        self.problems = (
            [f"missing column {name!r}" for name in missing]
            + [f"column {text}" for text in mistyped] + list(other or [])
        )
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if mistyped:
            parts.append(f"mistyped columns: {'; '.join(mistyped)}")
        parts.extend(other or [])
        super().__init__(
            f"Input does not match the signature of {model}: {'; '.join(parts)}. "
            f"See the expected columns with `jupyter mlops models show {model}`."
        )


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name, type and whether it must be present."""

    name: str
    type: str
    required: bool = True


@dataclass(frozen=True)
class Signature:
    """Inputs (columns, or a tensor type and width) and the output's kind and type."""

    columns: tuple[ColumnSpec, ...] = ()
    tensor_type: str | None = None
    tensor_width: int | None = None
    output: dict[str, Any] = field(default_factory=dict)

    @property
    def is_tensor(self) -> bool:
        return self.tensor_type is not None

    def to_dict(self) -> dict[str, Any]:
        if self.is_tensor:
            inputs: dict[str, Any] = {"tensor": {"type": self.tensor_type,
                                                 "shape": [-1, self.tensor_width]}}
        else:
            inputs = {"columns": [{"name": c.name, "type": c.type, "required": c.required}
                                  for c in self.columns]}
        return {"inputs": inputs, "output": dict(self.output)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Signature | None:
        if not data:
            return None
        inputs = data.get("inputs", {})
        output = dict(data.get("output", {}))
        if "tensor" in inputs:
            shape = inputs["tensor"].get("shape") or [-1, None]
            return cls(tensor_type=inputs["tensor"]["type"], tensor_width=shape[-1],
                       output=output)
        columns = tuple(ColumnSpec(c["name"], c["type"], c.get("required", True))
                        for c in inputs.get("columns", []))
        return cls(columns=columns, output=output)

    def describe_inputs(self) -> list[tuple[str, str]]:
        """(name, type) pairs for display; a tensor shows as one row."""
        if self.is_tensor:
            return [(f"tensor[:, {self.tensor_width}]", str(self.tensor_type))]
        return [(c.name, c.type + ("" if c.required else " (optional)")) for c in self.columns]

    # -- validation ------------------------------------------------------------------------

    def validate(self, data: Any, model: str = "the model") -> pd.DataFrame | np.ndarray:
        """``data`` as the model expects it; raises ``SignatureMismatch`` listing every problem.

        Parameters
        ----------
        data:
            A DataFrame, a dict of columns, a list of records, or an array.
        model:
            How the error names the model (e.g. ``churn/3``).

        Returns
        -------
        pandas.DataFrame or numpy.ndarray
            Columns in signature order with safe casts applied, or the checked array.
        """
        if self.is_tensor:
            return self._validate_tensor(data, model)
        import pandas as pd

        frame = data if isinstance(data, pd.DataFrame) else _as_frame(data, self, model)
        missing: list[str] = []
        mistyped: list[str] = []
        out: dict[str, Any] = {}
        unchanged = True
        for spec in self.columns:
            if spec.name not in frame.columns:
                if spec.required:
                    missing.append(spec.name)
                continue
            column = frame[spec.name]
            converted, problem = _coerce(column, spec.type)
            if problem is not None:
                mistyped.append(f"{spec.name!r} (expected {spec.type}, {problem})")
            else:
                out[spec.name] = converted
                unchanged = unchanged and converted is column
        if missing or mistyped:
            raise SignatureMismatch(model, missing, mistyped)
        if unchanged and list(out) == list(frame.columns):
            return frame
        return pd.DataFrame(out, index=frame.index)

    def _validate_tensor(self, data: Any, model: str) -> np.ndarray:
        import numpy as np

        values = data.to_numpy() if hasattr(data, "to_numpy") else data
        try:
            array = np.asarray(values)
        except (TypeError, ValueError) as exc:
            raise SignatureMismatch(model, [], [], [f"input is not an array ({exc})"]) from None
        if array.ndim == 1 and self.tensor_width is not None:
            array = array.reshape(1, -1)
        problems = []
        if array.ndim != 2 or (self.tensor_width is not None
                               and array.shape[1] != self.tensor_width):
            problems.append(f"expected shape (-1, {self.tensor_width}), got {array.shape}")
        else:
            import pandas as pd

            converted, problem = _coerce(pd.Series(array.ravel()), str(self.tensor_type))
            if problem is not None:
                problems.append(f"expected {self.tensor_type} values, {problem}")
            elif converted.dtype != array.dtype:
                array = converted.to_numpy().reshape(array.shape)
        if problems:
            raise SignatureMismatch(model, [], [], problems)
        return array


def _as_frame(data: Any, signature: Signature, model: str) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    if isinstance(data, dict):
        return pd.DataFrame(data)
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], dict):
        return pd.DataFrame.from_records(list(data))
    array = np.asarray(data, dtype=object)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != len(signature.columns):
        raise SignatureMismatch(model, [], [], [
            f"positional input has shape {array.shape}, expected {len(signature.columns)} "
            "columns; send named columns instead"
        ])
    frame = pd.DataFrame(array, columns=[c.name for c in signature.columns])
    return frame.infer_objects()


def _coerce(column: pd.Series, target: str) -> tuple[Any, str | None]:
    """The column cast to ``target`` when that loses nothing, else (None, why not)."""
    from pandas.api import types as t

    dtype = column.dtype
    if target == "any":
        return column, None
    if target in ("double", "float"):
        if t.is_bool_dtype(dtype) or not (t.is_numeric_dtype(dtype) or _all_none(column)):
            return None, f"got {describe_dtype(column)}"
        wanted = _NUMPY[target]
        return (column if dtype == wanted else column.astype(wanted)), None
    if target in ("integer", "long"):
        wanted = _NUMPY[target]
        if len(column) and _all_none(column):
            # JSON nulls arrive as an object column; saying "string" would send users astray.
            return None, "got nulls (an integer column holds no missing values)"
        if t.is_bool_dtype(dtype) or not t.is_numeric_dtype(dtype):
            return None, f"got {describe_dtype(column)}"
        if t.is_integer_dtype(dtype):
            return (column if dtype == wanted else column.astype(wanted)), None
        if column.isna().any():
            return None, "got nulls (an integer column holds no missing values)"
        if not (column == column.round()).all():
            return None, "got fractional values"
        return column.astype(wanted), None
    if target == "boolean":
        if t.is_bool_dtype(dtype):
            return column, None
        return None, f"got {describe_dtype(column)}"
    if target == "string":
        if t.is_string_dtype(dtype) or isinstance(dtype, _category()):
            if t.is_object_dtype(dtype) and t.infer_dtype(column, skipna=True) not in (
                "string", "empty"
            ):
                return None, f"got {describe_dtype(column)}"
            return column, None
        return None, f"got {describe_dtype(column)}"
    if target == "binary":
        if t.is_object_dtype(dtype) and t.infer_dtype(column, skipna=True) in ("bytes", "empty"):
            return column, None
        return None, f"got {describe_dtype(column)}"
    if target == "datetime":
        if t.is_datetime64_any_dtype(dtype):
            return column, None
        import pandas as pd

        try:
            return pd.to_datetime(column), None
        except (TypeError, ValueError):
            return None, f"got {describe_dtype(column)} that is not a date"
    raise InvalidInput(f"Unknown signature type {target!r}: use one of {', '.join(TYPES)}.")


def _all_none(column: pd.Series) -> bool:
    return bool(column.isna().all())


def _category() -> type:
    import pandas as pd

    return pd.CategoricalDtype


def describe_dtype(column: pd.Series) -> str:
    """The signature type name of a column's values (``string`` for text, ...)."""
    from pandas.api import types as t

    dtype = column.dtype
    if t.is_bool_dtype(dtype):
        return "boolean"
    if t.is_integer_dtype(dtype):
        return "long" if dtype.itemsize >= 8 or t.is_unsigned_integer_dtype(dtype) else "integer"
    if t.is_float_dtype(dtype):
        return "float" if dtype.itemsize == 4 else "double"
    if t.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, _category()):
        return describe_dtype(column.astype(dtype.categories.dtype))
    if t.is_string_dtype(dtype):
        if not t.is_object_dtype(dtype):
            return "string"
        inferred = t.infer_dtype(column, skipna=True)
        return {"string": "string", "empty": "string", "bytes": "binary"}.get(
            inferred, f"{inferred} values")
    return str(dtype)


# -- inference ---------------------------------------------------------------------------------


def infer_signature(data: Any, predictions: Any = None, model: Any = None) -> Signature:
    """The signature of a model trained on ``data`` that answers like ``predictions``.

    Parameters
    ----------
    data:
        Training inputs: a DataFrame (named, typed columns) or an array (a tensor).
    predictions:
        The model's output for some of ``data``, for the output's type and shape.
    model:
        The model, to tell classification (with its classes) from regression.

    Returns
    -------
    Signature
    """
    import numpy as np
    import pandas as pd

    output = infer_output(predictions, model)
    if isinstance(data, dict):
        data = pd.DataFrame(data)
    if isinstance(data, pd.DataFrame):
        columns = []
        for name in data.columns:
            if not isinstance(name, str):
                raise InvalidInput(
                    f"Column name {name!r} is not text: name every column before logging."
                )
            kind = describe_dtype(data[name])
            columns.append(ColumnSpec(name, kind if kind in TYPES else "any"))
        return Signature(columns=tuple(columns), output=output)
    array = np.asarray(data)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise InvalidInput(f"Cannot infer a signature from an array of shape {array.shape}.")
    kind = describe_dtype(pd.Series(array[:1].ravel()))
    return Signature(tensor_type=kind if kind in TYPES else "any",
                     tensor_width=int(array.shape[1]), output=output)


def infer_output(predictions: Any, model: Any = None) -> dict[str, Any]:
    """The output's kind (classification, regression, clustering, tensor), type and shape."""
    import numpy as np
    import pandas as pd

    output: dict[str, Any] = {"kind": "tensor"}
    classes = getattr(model, "classes_", None)
    if model is not None and "sklearn" in sys.modules and _is_estimator(model):
        from sklearn.base import is_classifier, is_clusterer, is_regressor

        if is_classifier(model):
            output["kind"] = "classification"
        elif is_regressor(model):
            output["kind"] = "regression"
        elif is_clusterer(model):
            output["kind"] = "clustering"
    elif classes is not None:
        output["kind"] = "classification"
    if output["kind"] == "classification" and classes is not None:
        output["classes"] = np.asarray(classes).tolist()
    if predictions is not None:
        array = np.asarray(predictions)
        output["type"] = describe_dtype(pd.Series(array.ravel()[:100]))
        output["shape"] = [-1, *array.shape[1:]]
    return output


def _is_estimator(model: Any) -> bool:
    from sklearn.base import BaseEstimator

    return isinstance(model, BaseEstimator)
