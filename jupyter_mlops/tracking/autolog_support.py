"""What autologging a fitted scikit-learn model records, independent of how fits are caught.

Flattened params and the candidates of a hyper-parameter search as child runs. The model itself
is stored by the models capability (``models.log_model``), the one way every model is stored.
The notebook face decides when a fit happened; these functions decide what a fit leaves in
the store, so a script can call them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import InvalidInput
from .run import ActiveRun, start_run
from .values import MAX_PARAM, param_value


# Any: the caller's value itself when it already stores faithfully.
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
