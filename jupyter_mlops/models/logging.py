"""``log_model``: store a model with its flavor, signature and input example in the active run.

A logged model is two artifacts of the run, ``<name>/<flavor file>`` and ``<name>/model.json``
(flavor, signature, input example, the model file's digest, the libraries it needs and what the
flavor records about the file, such as the types it needs trusted). Both are content-addressed,
so loading verifies every byte. This is the one way a model is stored: autolog, ``%mlops_register``
and ``register_model(obj)`` all come through ``log_model``. Pip requirements are not inferred
here, which is where other trackers spend seconds: the run already records its environment.
"""

from __future__ import annotations

import contextlib
import json
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..tracking.run import ActiveRun, require_active
from ..tracking.values import check_key
from . import flavors
from .signature import Signature, infer_signature

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

FORMAT = "jupyter-mlops-model/1"
META_FILE = "model.json"
EXAMPLE_ROWS = 5

# model object -> where it was last logged, so that registering the object finds the run that
# fitted it (its metrics, params and data) instead of logging a copy into a new run.
_logged: weakref.WeakKeyDictionary[Any, LoggedModel] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class LoggedModel:
    """Where a logged model lives: its ``runs:/`` URI and the digests of its two files."""

    uri: str
    run_id: str
    artifact_path: str
    flavor: str
    model_digest: str
    meta_digest: str
    signature: Signature | None


def log_model(
    model: Any,
    name: str = "model",
    signature: Any = "infer",
    input_example: Any = None,
    flavor: str | None = None,
    run: ActiveRun | None = None,
) -> LoggedModel:
    """Store ``model`` as artifacts of the active run, with its flavor and signature.

    Parameters
    ----------
    model:
        A scikit-learn estimator or pipeline (saved with skops), or any object with
        ``predict`` (saved with cloudpickle, loaded only with ``trust=True``).
    name:
        The artifact folder, unique within the run (``runs:/<run id>/<name>``).
    signature:
        ``"infer"`` (from ``input_example``, else from the model's feature names), the
        training data itself (a DataFrame or array to infer from), a ``Signature``, or None.
    input_example:
        A few rows of input; the first five are stored with the model.
    flavor:
        Force a flavor by name instead of picking the first that matches.
    run:
        The run to log into; default: the active one.

    Returns
    -------
    LoggedModel
        The model's URI and digests, to pass to ``register_model``.
    """
    run = run or require_active()
    name = check_key(name.strip("/"), "Model name") if isinstance(name, str) else name
    if not isinstance(name, str) or "/" in name:
        raise InvalidInput(f"Model artifact name must be a plain name, not {name!r}.")
    chosen = flavors.get(flavor) if flavor else flavors.for_model(model)
    data = chosen.save(model)
    example = _head(input_example)
    resolved = _signature(model, signature, example)
    model_digest = run.log_bytes(data, f"{name}/{chosen.file_name}")
    meta = {
        "format": FORMAT,
        "flavor": chosen.name,
        "model_file": chosen.file_name,
        "model_digest": model_digest,
        "model_size": len(data),
        "signature": None if resolved is None else resolved.to_dict(),
        "input_example": _example_json(example),
        "run_id": run.id,
        "artifact_path": name,
        "created_at": time.time(),
        # Valid for exactly the file named by model_digest (which loading verifies).
        "record": flavors.record(chosen, data),
        **chosen.describe(model),
    }
    meta_bytes = json.dumps(meta, sort_keys=True, default=str).encode()
    meta_digest = run.log_bytes(meta_bytes, f"{name}/{META_FILE}")
    uri = f"runs:/{run.id}/{name}"
    run.log_output("model", uri)
    logged = LoggedModel(uri, run.id, name, chosen.name, model_digest, meta_digest, resolved)
    _remember(model, logged)
    return logged


def _remember(model: Any, logged: LoggedModel) -> None:
    # An object that cannot be weakly referenced is simply not remembered: registering it
    # then logs it anew, which is correct, only less linked.
    with contextlib.suppress(TypeError):
        _logged[model] = logged


def logged_model_of(model: Any) -> LoggedModel | None:
    """Where ``model`` (the object) was last logged in this process, or None."""
    try:
        return _logged.get(model)
    except TypeError:
        return None


def _head(example: Any) -> pd.DataFrame | np.ndarray | None:
    if example is None:
        return None
    if hasattr(example, "iloc"):
        return example.iloc[:EXAMPLE_ROWS]
    if isinstance(example, dict):
        import pandas as pd

        return pd.DataFrame(example).iloc[:EXAMPLE_ROWS]
    import numpy as np

    return np.asarray(example)[:EXAMPLE_ROWS]


def _predict_sample(model: Any, data: Any) -> Any:
    try:
        return model.predict(data[:EXAMPLE_ROWS] if not hasattr(data, "iloc")
                             else data.iloc[:EXAMPLE_ROWS])
    except Exception:
        # The output's type is a nicety; a model that cannot predict on the sample (a bad
        # example, a model needing more context) is still logged with its input signature.
        return None


def _signature(model: Any, signature: Any, example: Any) -> Signature | None:
    if signature is None or isinstance(signature, Signature):
        return signature
    if isinstance(signature, str):
        if signature != "infer":
            raise InvalidInput(
                f"signature must be 'infer', a Signature, training data or None, not "
                f"{signature!r}."
            )
        if example is not None:
            return infer_signature(example, _predict_sample(model, example), model)
        return _from_model(model)
    return infer_signature(signature, _predict_sample(model, signature), model)


def _from_model(model: Any) -> Signature | None:
    """A signature from what a fitted scikit-learn model remembers of its training data."""
    from .signature import ColumnSpec, infer_output

    names = getattr(model, "feature_names_in_", None)
    width = getattr(model, "n_features_in_", None)
    output = infer_output(None, model)
    if names is not None:
        # The names survive fitting, the types do not: only presence can be checked.
        return Signature(columns=tuple(ColumnSpec(str(n), "any") for n in names),
                         output=output)
    if width is not None:
        return Signature(tensor_type="double", tensor_width=int(width), output=output)
    return None


def _example_json(example: Any) -> dict[str, Any] | None:
    if example is None:
        return None
    if hasattr(example, "to_json"):
        frame = example if hasattr(example, "columns") else example.to_frame()
        split = json.loads(frame.to_json(orient="split", index=False, date_format="iso"))
        return {"columns": split["columns"], "data": split["data"]}
    import numpy as np

    return {"data": np.asarray(example).tolist()}
