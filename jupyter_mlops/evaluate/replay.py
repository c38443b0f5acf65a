"""``replay``: a candidate run on the very requests the served model answered (shadow replay).

The inputs come from the serving prediction log (``models.predictions``) of the version
``against`` names, over a window (``since``). The candidate answers them all; the replay
reports how often it agrees with what was served, overall and per slice, and the distribution of
both models' outputs. Where labels have arrived (``labels``: a frame of ``request_id``, the
label and, for requests of several rows, ``row``; its other columns can be sliced by), both
models are measured on those same requests, overall and per slice, and the thresholds judged
as in ``evaluate`` (change thresholds against the served version). The replay is stored as an
evaluation of the candidate (kind ``"replay"``) that ``promote(require_replay=True)`` can
require.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidInput
from ..store.evaluations import EvaluationRecord
from . import thresholds as rules_module
from .evaluation import MIN_SLICE_SIZE, data_frame, load, new_id, store_record, verdict
from .predictions import answers, check_task, infer_task, predictions, shaped
from .result import Evaluation
from .slices import group_codes, measure, parse_specs, spec_name

if TYPE_CHECKING:
    import pandas as pd

_LOG_COLUMNS = ["prediction", "version", "timestamp", "request_id"]
_BINS = 20


def _served(against: Any, since: float | str, limit: int | None) -> pd.DataFrame:
    """The logged requests of ``against`` in the window as one frame: the inputs, then
    ``prediction``, ``version``, ``timestamp``, ``request_id`` and ``row`` (within its request).

    Built from the log's records in one go: a frame per request (``models.predictions``) costs
    more than the replay itself on a log of many small requests.
    """
    import json

    import pandas as pd

    from ..monitor.inputs import since_timestamp
    from ..session import current

    records = current().store.registry.predictions(against.name, against.version,
                                                   since_timestamp(since), limit)
    if not records:
        raise InvalidInput(f"No logged predictions of {against.label} since {since}: serve it "
                           f"with `jupyter mlops serve {against.name}@ALIAS` (the prediction "
                           "log is on by default), or widen the window.")
    columns = records[0].inputs.get("columns")
    data: list[Any] = []
    answered: list[Any] = []
    meta: dict[str, list[Any]] = {"version": [], "timestamp": [], "request_id": [], "row": []}
    for record in records:
        if record.inputs.get("columns") != columns:
            raise InvalidInput(f"The logged requests of {against.label} since {since} do not "
                               "all have the same columns: replay a narrower window.")
        rows = record.inputs["data"]
        outputs = record.predictions
        data.extend(rows)
        answered.extend(outputs if len(outputs) == len(rows) else [json.dumps(outputs)] *
                        len(rows))
        meta["version"].extend([record.version] * len(rows))
        meta["timestamp"].extend([record.timestamp] * len(rows))
        meta["request_id"].extend([record.request_id] * len(rows))
        meta["row"].extend(range(len(rows)))
    frame = pd.DataFrame(data, columns=columns)
    if columns is None:
        frame.columns = [f"input_{i}" for i in range(frame.shape[1])]
    frame["prediction"] = answered
    for key, values in meta.items():
        frame[key] = values
    return frame


def _same(served: np.ndarray, mine: np.ndarray, task: str, tolerance: float) -> np.ndarray:
    if task == "regression":
        theirs = served.astype(np.float64)
        return np.abs(mine.astype(np.float64) - theirs) <= tolerance * np.maximum(
            1.0, np.abs(theirs))
    try:
        return served.astype(np.float64) == mine.astype(np.float64)
    except (TypeError, ValueError):
        return served.astype(str) == mine.astype(str)


def _distribution(values: np.ndarray, task: str, edges: np.ndarray | None) -> dict[str, Any]:
    if task == "classification":
        kinds, counts = np.unique(values.astype(str), return_counts=True)
        return {"counts": {str(k): int(c) for k, c in zip(kinds, counts, strict=True)}}
    numbers = values.astype(np.float64)
    counts, used = np.histogram(numbers, bins=edges if edges is not None else _BINS)
    quantiles = np.quantile(numbers, [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]).tolist()
    return {"histogram": {"edges": used.tolist(), "counts": counts.tolist()},
            "mean": float(numbers.mean()), "quantiles": quantiles}


def _agreement_slices(frame: Any, same: np.ndarray, specs: Sequence[tuple[str, ...]]
                      ) -> list[dict[str, Any]]:
    out = [{"slice": "overall", "feature": "overall", "rows": len(same),
            "agreement": float(same.mean())}]
    for spec in specs:
        codes, names = group_codes(frame, spec)
        rows = np.bincount(codes, minlength=len(names))
        agreed = np.bincount(codes, weights=same.astype(np.float64), minlength=len(names))
        out += [{"slice": name, "feature": spec_name(spec), "rows": int(rows[i]),
                 "agreement": float(agreed[i] / rows[i]) if rows[i] else float("nan")}
                for i, name in enumerate(names)]
    return out


def _joined(log: Any, labels: Any, label: str | None) -> pd.DataFrame:
    """The labels (and any other columns of ``labels``, such as slicing columns) of each
    replayed row, aligned with the log; NaN where none has arrived."""
    frame, _ = data_frame(labels)
    if label is None or label not in frame.columns:
        raise InvalidInput(f"The labels need the label column {label!r} beside request_id: "
                           f"pass label= one of {', '.join(map(str, frame.columns))}.")
    if "request_id" not in frame.columns:
        raise InvalidInput("The labels need a request_id column: the X-Request-ID the server "
                           "answered each request with (and row, for requests of several "
                           "rows).")
    keys = ["request_id", "row"] if "row" in frame.columns else ["request_id"]
    extra = [c for c in frame.columns if c not in keys and c not in log.columns]
    picked = frame[[*keys, *extra]].drop_duplicates(keys, keep="last")
    picked = picked.astype({"request_id": str})
    joined = log[keys].astype({"request_id": str}).merge(picked, on=keys, how="left")
    return joined[extra].set_axis(log.index)


def replay(
    candidate: Any,
    against: str | None = None,
    since: float | str = "7d",
    labels: Any = None,
    label: str | None = None,
    slices: Sequence[str | tuple[str, ...]] | str | None = None,
    thresholds: Mapping[str, Any] | None = None,
    per_slice: Mapping[str, Any] | None = None,
    min_agreement: float | None = None,
    min_slice_size: int = MIN_SLICE_SIZE,
    limit: int | None = None,
    task: str | None = None,
    tolerance: float = 1e-9,
    save: bool = True,
    trust: Any = False,
) -> Evaluation:
    """Replay the served model's logged requests through ``candidate`` and compare.

    Parameters
    ----------
    candidate:
        The registered version to try, e.g. ``"churn@candidate"`` or ``"churn/4"``.
    against:
        The served version whose prediction log is replayed (default: ``NAME@champion``).
    since:
        The window of logged requests: ``"7d"``, ``"12h"``, or epoch seconds.
    labels:
        Labels that have arrived: a DataFrame, file or dataset version with ``request_id``,
        the ``label`` column and, for requests of several rows, ``row`` (0-based).
    label:
        The label column of ``labels``.
    slices:
        Columns of the logged inputs, or of ``labels``, to slice by (as in ``evaluate``).
    thresholds, per_slice:
        Rules on the candidate's realised metrics (as in ``evaluate``); change thresholds
        compare with the served version on the same requests.
    min_agreement:
        Fail unless the candidate agrees with the served answers on this share of rows.
    min_slice_size:
        Slices with fewer labelled rows are shown but not judged.
    limit:
        Only the newest ``limit`` requests.
    task:
        ``"classification"`` or ``"regression"`` (default: inferred from the candidate).
    tolerance:
        Regression outputs agree within this relative difference.
    save:
        Store the replay as an evaluation of the candidate (kind ``"replay"``).
    trust:
        Passed to ``load_model``.

    Returns
    -------
    Evaluation
        ``agreement``, ``record.details["distributions"]``, per-slice metrics of both models
        where labels arrived, and the verdict.
    """
    check_task(task)
    if min_agreement is not None and not 0 <= float(min_agreement) <= 1:
        raise InvalidInput(f"min_agreement is a share between 0 and 1, not {min_agreement!r}.")
    mine = load(candidate, trust)
    served_model = load(against or f"{mine.name}@champion", trust)
    overall_rules = rules_module.parse(thresholds, "thresholds")
    slice_rules = rules_module.parse(per_slice, "per_slice")
    log = _served(served_model, since, limit)
    inputs = log.drop(columns=[*_LOG_COLUMNS, "row"])
    context = inputs
    if labels is not None:
        import pandas as pd

        context = pd.concat([inputs, _joined(log, labels, label)], axis=1)
    specs = parse_specs(slices, [str(c) for c in context.columns if c != label])
    task = task or infer_task(mine, None)
    predicted, proba, classes = answers(mine, inputs, task)
    served = np.asarray(log["prediction"].to_numpy())
    same = _same(served, predicted, task, tolerance)
    edges = None
    if task == "regression":
        both = np.concatenate([served.astype(np.float64), predicted.astype(np.float64)])
        edges = np.histogram_bin_edges(both, bins=_BINS)
    details: dict[str, Any] = {
        "agreement": float(same.mean()), "requests": int(log["request_id"].nunique()),
        "since": str(since), "specs": [list(s) for s in specs],
        "agreement_slices": _agreement_slices(context, same, specs),
        "distributions": {"served": _distribution(served, task, edges),
                          "candidate": _distribution(predicted, task, edges)},
        "metrics": [], "slices": [], "baseline_slices": None, "labelled": 0,
        "thresholds": dict(thresholds or {}), "per_slice": dict(per_slice or {}),
        "min_agreement": min_agreement, "min_slice_size": min_slice_size,
    }
    notes: list[str] = []
    checks: list[rules_module.Check] = []
    failures: list[str] = []
    if min_agreement is not None:
        passed = details["agreement"] >= float(min_agreement)
        note = (f"agreement on overall with {served_model.label}: {details['agreement']:.4g} "
                f"{'>=' if passed else '<'} {float(min_agreement):g}")
        checks.append(rules_module.Check("agreement", "overall", "lower", float(min_agreement),
                                         details["agreement"], None, passed, note))
        if not passed:
            failures.append(note)
    if labels is not None:
        truth_all = context[label]
        known = truth_all.notna().to_numpy()
        details["labelled"] = int(known.sum())
        if known.any():
            frame = context[known].reset_index(drop=True)
            truth = truth_all[known].to_numpy()
            truth = truth.astype(str) if truth.dtype == object else truth
            if task == "classification":
                ours = shaped(truth, predicted[known], None if proba is None else proba[known],
                              classes)
            else:
                from .predictions import Predictions

                ours = Predictions(truth, predicted[known])
            theirs = predictions(served_model, inputs[known].reset_index(drop=True), truth,
                                 task, ours.positive)
            details["reproduced"] = float(_same(served[known], theirs.predicted, task,
                                                tolerance).mean())
            details["slices"] = measure(task, ours, frame, specs, min_slice_size)
            details["baseline_slices"] = measure(task, theirs, frame, specs, min_slice_size)
            details["metrics"] = list(details["slices"][0]["metrics"])
            judged, failed, unjudged = verdict(overall_rules, slice_rules, details["slices"],
                                               details["baseline_slices"], served_model.label)
            checks += judged
            failures += failed
            notes += unjudged
        else:
            notes.append("No labels have arrived for the replayed requests: the candidate's "
                         "realised metrics are not judged.")
    elif overall_rules or slice_rules:
        notes.append("No labels given: thresholds on realised metrics are not judged.")
    details["checks"] = [c.to_dict() for c in checks]
    details["notes"] = notes
    record = EvaluationRecord(
        id=new_id(), created_at=time.time(), name=str(mine.name), version=int(mine.version),
        data=f"prediction log of {served_model.label} since {since}", label=label or "",
        task=task, rows=len(log), blessed=not failures, failures=tuple(failures),
        baseline=served_model.label, details=details, kind="replay",
    )
    if save:
        store_record(record)
    return Evaluation(record, saved=save)
