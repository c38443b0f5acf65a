"""What autologging a fitted scikit-learn model records, independent of how fits are caught.

Flattened params, the input signature, the model as a skops artifact with its digest, and the
candidates of a hyper-parameter search as child runs. The notebook face decides when a fit
happened; these functions decide what a fit leaves in the store, so a script can call them too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import InvalidInput, MissingDependency
from ..session import current
from .run import ActiveRun, start_run
from .values import MAX_PARAM, param_value

MODEL_FILE = "model/model.skops"
SIGNATURE_FILE = "model/signature.json"
# Types a skops file may hold that load without asking: the libraries a model is made of.
TRUSTED_MODULES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


def param_text(value: Any) -> Any:
    """``value`` as a storable param: itself where it has a faithful form, else its repr."""
    if _is_estimator(value):
        return type(value).__name__
    try:
        param_value("param", value)
        return value
    except InvalidInput:
        text = repr(value)
        return text if len(text) <= MAX_PARAM else text[: MAX_PARAM - 3] + "..."


def _is_estimator(value: Any) -> bool:
    return hasattr(value, "get_params") and hasattr(value, "fit") and not isinstance(value, type)


def _named_estimators(value: Any) -> list[tuple[str, Any]] | None:
    """The (name, estimator) pairs of a ``steps`` or ``transformers`` list, else None."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    pairs = []
    for item in value:
        if not (isinstance(item, tuple) and len(item) >= 2 and isinstance(item[0], str)):
            return None
        pairs.append((item[0], item[1]))
    return pairs


def flatten_params(estimator: Any, prefix: str = "") -> dict[str, Any]:
    """``get_params(deep=False)`` of ``estimator`` and of every estimator inside it.

    Parameters
    ----------
    estimator:
        A scikit-learn estimator, pipeline or meta-estimator.
    prefix:
        Prepended to every key (used while recursing).

    Returns
    -------
    dict
        Keys as scikit-learn names them (``clf__C``); nested estimators appear as their class
        name under their own key, steps lists as the list of step names.
    """
    flat: dict[str, Any] = {}
    for key, value in sorted(estimator.get_params(deep=False).items()):
        name = prefix + key
        pairs = _named_estimators(value)
        if pairs is not None and any(_is_estimator(est) for _, est in pairs):
            flat[name] = [step for step, _ in pairs]
            for step, inner in pairs:
                flat.update(_flatten_value(prefix + step, inner))
        else:
            flat.update(_flatten_value(name, value))
    return flat


def _flatten_value(name: str, value: Any) -> dict[str, Any]:
    if _is_estimator(value):
        return {name: type(value).__name__, **flatten_params(value, name + "__")}
    return {name: param_text(value)}


def signature(data: Any) -> dict[str, Any]:
    """Column names and dtypes of a training input (DataFrame, array or list of rows)."""
    columns = getattr(data, "columns", None)
    dtypes = getattr(data, "dtypes", None)
    if columns is not None and dtypes is not None and hasattr(dtypes, "items"):
        return {"kind": "dataframe",
                "columns": [{"name": str(col), "dtype": str(dtype)} for col, dtype in
                            dtypes.items()]}
    shape = getattr(data, "shape", None)
    dtype = getattr(data, "dtype", None)
    if shape is not None and dtype is not None:
        width = shape[1] if len(shape) > 1 else 1
        return {"kind": "array", "shape": [None, *shape[1:]],
                "columns": [{"name": f"x{i}", "dtype": str(dtype)} for i in range(width)]}
    return {"kind": type(data).__name__, "columns": []}


def log_model(run: ActiveRun, model: Any, data: Any | None = None) -> str:
    """Store a fitted model as a skops artifact (and its input signature); returns the digest.

    Parameters
    ----------
    run:
        The run to attach it to.
    model:
        A fitted scikit-learn estimator.
    data:
        The training input, for the signature.

    Returns
    -------
    str
        The digest of ``model/model.skops``, also set as the tag ``mlops.model.digest``.
    """
    sio = _skops()
    digest = run.log_bytes(sio.dumps(model), MODEL_FILE)
    if data is not None:
        run.log_bytes(json.dumps(signature(data), indent=2).encode(), SIGNATURE_FILE)
    run.set_tags({"mlops.model.digest": digest, "mlops.model.flavor": "sklearn",
                  "mlops.model.class": f"{type(model).__module__}.{type(model).__name__}"})
    return digest


def load_model(run_id: str, trusted: list[str] | None = None) -> Any:
    """Load the model a run logged, its bytes checked against their digest first.

    Parameters
    ----------
    run_id:
        The run (or a unique prefix of its id).
    trusted:
        Extra type names to trust beyond scikit-learn, NumPy and SciPy ones.

    Returns
    -------
    object
        The fitted estimator.
    """
    sio = _skops()
    track = current()
    full = track.store.runs.resolve_id(run_id)
    by_path = {a.path: a for a in track.store.runs.artifacts(full)}
    if MODEL_FILE not in by_path:
        raise InvalidInput(f"Run {full} logged no model ({MODEL_FILE}); autolog a fit or "
                           "call log_model first.")
    data = track.store.artifacts.get_bytes(by_path[MODEL_FILE].digest)
    untrusted = sio.get_untrusted_types(data=data)
    allowed = set(trusted or [])
    refused = [t for t in untrusted if t not in allowed and not t.startswith(TRUSTED_MODULES)]
    if refused:
        raise InvalidInput(f"The model of run {full} holds types not trusted by default: "
                           f"{', '.join(refused)}. Pass them as trusted=[...] if you trust them.")
    return sio.loads(data, trusted=list(untrusted))


def _skops() -> Any:
    try:
        import skops.io as sio
    except ImportError as exc:
        raise MissingDependency("Logging sklearn models needs skops: pip install skops.") \
            from exc
    return sio


def candidates(search: Any) -> Iterator[tuple[dict[str, Any], dict[str, float]]]:
    """(params, metrics) of each candidate a fitted search object tried, in its order."""
    results = getattr(search, "cv_results_", None) or {}
    params = results.get("params") or []
    keys = [k for k in results if k.startswith(("mean_", "std_", "rank_"))]
    for index, values in enumerate(params):
        metrics: dict[str, float] = {}
        for key in keys:
            try:
                number = float(results[key][index])
            except (TypeError, ValueError, IndexError):
                continue
            metrics[key] = number
        yield {k: param_text(v) for k, v in values.items()}, metrics


def log_search(run: ActiveRun, search: Any) -> int:
    """Log a fitted search's best params and score, and one child run per candidate.

    Parameters
    ----------
    run:
        The run the search was fitted in; the children are nested under it.
    search:
        A fitted ``GridSearchCV``, ``RandomizedSearchCV`` or other ``BaseSearchCV``.

    Returns
    -------
    int
        The number of candidate runs logged.
    """
    best = getattr(search, "best_params_", None)
    if best is not None:
        run.log_params({f"best_{k}": param_text(v) for k, v in best.items()})
    score = getattr(search, "best_score_", None)
    if score is not None:
        run.log_metric("best_cv_score", float(score))
    count = 0
    for index, (params, metrics) in enumerate(candidates(search)):
        with start_run(name=f"{run.name}-candidate-{index}", nested=True) as child:
            child.log_params(params)
            child.log_metrics(metrics)
            child.set_tag("mlops.autolog.candidate", str(index))
        count += 1
    return count
