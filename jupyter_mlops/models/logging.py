"""``log_model``: store a model with its flavor, signature and input example in the active run.

A logged model is two artifacts of the run, ``<name>/<flavor file>`` and ``<name>/model.json``
(flavor, signature, input example, the model file's digest and the libraries it needs). Both
are content-addressed, so loading verifies every byte. Pip requirements are not inferred
here, which is where other trackers spend seconds: the run already records its environment.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from ..tracking.run import ActiveRun, require_active
from ..tracking.values import check_key
from . import flavors
from .signature import Signature, infer_signature

FORMAT = "jupyter-mlops-model/1"
META_FILE = "model.json"
EXAMPLE_ROWS = 5


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
        **chosen.describe(model),
    }
    meta_bytes = json.dumps(meta, sort_keys=True, default=str).encode()
    meta_digest = run.log_bytes(meta_bytes, f"{name}/{META_FILE}")
    uri = f"runs:/{run.id}/{name}"
    run.log_output("model", uri)
    return LoggedModel(uri, run.id, name, chosen.name, model_digest, meta_digest, resolved)


def _head(example: Any) -> Any:
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
