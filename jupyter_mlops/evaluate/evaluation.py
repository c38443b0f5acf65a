"""``evaluate``: a model version's metrics overall and per slice, judged, and its blessing.

The candidate (and the baseline, when a change threshold names one) predicts once on the whole
frame; every slice of every spec is then measured from those answers by ``slices.measure``.
The verdict is blessed when no judged check fails; what could not be judged (slices too small,
no baseline yet) is listed, not failed. The evaluation is stored on the model version with the
data it used and the baseline, where ``promote(require_blessing=True)`` reads it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidInput, NotFound
from ..store.evaluations import EvaluationRecord
from . import thresholds as rules_module
from .predictions import Predictions, check_task, infer_task, predictions
from .result import Evaluation
from .slices import Spec, measure, parse_specs

if TYPE_CHECKING:
    from tqdm.auto import tqdm

    from ..models import LoadedModel

MIN_SLICE_SIZE = 30
_PROGRESS_ROWS = 200_000


def load(model: Any, trust: Any = False) -> LoadedModel:
    """A registered version as a ``LoadedModel`` (``churn@candidate``, ``churn/3``)."""
    from ..models import LoadedModel, load_model

    if isinstance(model, LoadedModel):
        if model.name is None or model.version is None:
            raise InvalidInput(f"{model.uri} is not a registered version: register it with "
                               "mlops.register_model(...) and evaluate NAME/VERSION.")
        return model
    if not isinstance(model, str):
        raise InvalidInput(f"Evaluate a registered model version such as 'churn@candidate' or "
                           f"'churn/3', not a {type(model).__name__}: register it first with "
                           "mlops.register_model(model, 'churn').")
    if model.startswith("runs:/"):
        raise InvalidInput(f"{model} is a run's model: register it and evaluate the version.")
    return load_model(model, trust=trust)


def data_frame(data: Any) -> tuple[Any, str]:
    """The frame ``data`` names and how the record names it (a dataset version's ref, a
    file's path, or a DataFrame's content digest)."""
    from ..monitor.inputs import resolve

    source = resolve(data, "current")
    frame, name = source.frame, source.label
    if name in ("DataFrame", "Series"):
        try:
            from ..data import frame_digest

            name = f"DataFrame {frame_digest(frame)[:12]}"
        except Exception:
            # An unhashable frame (mixed column types) still evaluates; it is only unnamed.
            name = "DataFrame"
    return frame, name


def truth_of(frame: Any, label: str) -> np.ndarray:
    if not isinstance(label, str) or label not in frame.columns:
        raise InvalidInput(f"No label column {label!r} in the data: pass label= one of "
                           f"{', '.join(map(str, frame.columns))}.")
    column = frame[label]
    if column.isna().any():
        raise InvalidInput(f"The label column {label!r} has {int(column.isna().sum())} missing "
                           "values: drop those rows first.")
    values = column.to_numpy()
    return values.astype(str) if values.dtype == object else values


def measured(loaded: Any, inputs: Any, frame: Any, truth: np.ndarray, task: str,
             specs: Sequence[Spec], positive: Any, min_slice_size: int
             ) -> tuple[Predictions, list[dict[str, Any]]]:
    """``loaded``'s answers on ``inputs`` and their metrics on every slice of ``frame``."""
    answers = predictions(loaded, inputs, truth, task, positive)
    return answers, measure(task, answers, frame, specs, min_slice_size)


def resolve_baseline(refs: set[str], baseline: str | None) -> str | None:
    """The one baseline the change thresholds (or ``baseline=``) name."""
    named = set(refs) | ({baseline} if baseline else set())
    if len(named) > 1:
        raise InvalidInput(f"Change thresholds name several baselines ({', '.join(sorted(named))}"
                           "): compare with one model per evaluation.")
    return next(iter(named), None)


def load_baseline(ref: str | None, trust: Any, notes: list[str]) -> LoadedModel | None:
    if ref is None:
        return None
    try:
        return load(ref, trust)
    except NotFound as exc:
        # TFMA's first run: no baseline yet means change thresholds are not judged.
        notes.append(f"No baseline {ref} ({exc}): change thresholds not judged.")
        return None


def verdict(overall: Mapping[str, rules_module.Rule], per_slice: Mapping[str, rules_module.Rule],
            slices: Sequence[Mapping[str, Any]], base: Sequence[Mapping[str, Any]] | None,
            baseline_label: str | None) -> tuple[list[rules_module.Check], list[str], list[str]]:
    """Every check, the failures named, and what could not be judged."""
    by_slice = None if base is None else {e["slice"]: e for e in base}
    checks = rules_module.judge(overall, slices, by_slice, baseline_label, "overall")
    checks += rules_module.judge(per_slice, slices, by_slice, baseline_label, "slices")
    failures = [c.note for c in checks if c.passed is False]
    notes = [c.note for c in checks if c.passed is None]
    return checks, failures, notes


def new_id() -> str:
    from ..tracking.ids import new_run_id

    return new_run_id()


def store_record(record: EvaluationRecord) -> None:
    """Save ``record`` in the workspace, as an output of the active run if there is one."""
    from ..monitor.alerts import after_verdict_saved
    from ..session import current
    from ..tracking.run import active_run

    run = active_run()
    if run is None:
        current().store.evaluations.save(record)
    else:
        run._ensure()
        run.store.evaluations.save(record)
        run.log_output(record.kind, record.id)
    after_verdict_saved(record)  # evaluation rules tell right away


def evaluate(
    model: Any,
    data: Any,
    label: str,
    slices: Sequence[str | tuple[str, ...]] | str | None = None,
    thresholds: Mapping[str, Any] | None = None,
    per_slice: Mapping[str, Any] | None = None,
    baseline: str | None = None,
    min_slice_size: int = MIN_SLICE_SIZE,
    task: str | None = None,
    positive: Any = None,
    save: bool = True,
    trust: Any = False,
) -> Evaluation:
    """Evaluate a model version overall and per slice, judge it, and bless it or not.

    Parameters
    ----------
    model:
        A registered version: ``"churn@candidate"``, ``"churn/3"``, ``"churn"`` (newest).
    data:
        A DataFrame, a CSV or Parquet file, or a dataset version such as ``"customers@3"``,
        holding the features, the label and the slicing columns.
    label:
        The label column.
    slices:
        Columns to slice by; a tuple of columns slices by their cross, e.g.
        ``["country", ("country", "plan")]``. The whole data is always the ``overall`` slice.
    thresholds:
        Rules on the overall metrics, per metric: ``{"auc": {"lower": 0.8, "upper": ...,
        "change": {"baseline": "churn@champion", "min_delta": -0.01}}}``. ``change`` also takes
        ``max_delta``, ``min_ratio``/``max_ratio`` (candidate/baseline) and TFMA's
        ``absolute``/``relative`` read in the metric's direction.
    per_slice:
        The same rules, applied to every slice big enough to judge.
    baseline:
        The baseline of change thresholds that name none.
    min_slice_size:
        Slices with fewer rows are measured and shown but not judged.
    task:
        ``"classification"`` or ``"regression"``; default: inferred from the model and label.
        Classification measures accuracy, precision, recall, f1, auc, log_loss and calibration
        (binary: of ``positive``; multiclass: macro averages); regression mae, rmse, r2, mape.
    positive:
        The positive class of a binary classifier (default: the greater label).
    save:
        Store the evaluation on the model version (default).
    trust:
        Passed to ``load_model`` for models whose loading runs code.

    Returns
    -------
    Evaluation
        Truthy when blessed; ``failures`` names every failing (metric, slice);
        ``to_frame()`` has every slice, ``figure()`` charts them.
    """
    if isinstance(min_slice_size, bool) or not isinstance(min_slice_size, int) or \
            min_slice_size < 1:
        raise InvalidInput(f"min_slice_size must be a whole number of rows >= 1, not "
                           f"{min_slice_size!r}.")
    check_task(task)
    overall_rules = rules_module.parse(thresholds, "thresholds")
    slice_rules = rules_module.parse(per_slice, "per_slice")
    wanted = rules_module.baselines(overall_rules, slice_rules)
    if baseline is None and not wanted and any(r.has_change for r in (
            *overall_rules.values(), *slice_rules.values())):
        raise InvalidInput("A change threshold needs a baseline: add 'baseline': "
                           "'churn@champion' to it, or pass baseline=.")
    baseline_ref = resolve_baseline(wanted, baseline)
    frame, data_name = data_frame(data)
    truth = truth_of(frame, label)
    specs = parse_specs(slices, [str(c) for c in frame.columns])
    candidate = load(model, trust)
    task = task or infer_task(candidate, truth)
    inputs = frame.drop(columns=[label])
    bar = _progress(len(frame), 3 if baseline_ref else 2)
    try:
        answers, measured_slices = measured(candidate, inputs, frame, truth, task, specs,
                                            positive, min_slice_size)
        bar.update()
        notes: list[str] = []
        base_model = load_baseline(baseline_ref, trust, notes)
        base_slices = None
        if base_model is not None:
            _, base_slices = measured(base_model, inputs, frame, truth, task, specs,
                                      answers.positive, min_slice_size)
        bar.update()
    finally:
        bar.close()
    base_label = None if base_model is None else base_model.label
    checks, failures, unjudged = verdict(overall_rules, slice_rules, measured_slices,
                                         base_slices, base_label)
    record = EvaluationRecord(
        id=new_id(), created_at=time.time(), name=str(candidate.name),
        version=int(candidate.version), data=data_name, label=label, task=task,
        rows=len(frame), blessed=not failures, failures=tuple(failures),
        baseline=base_label, kind="evaluation",
        details={
            "metrics": list(measured_slices[0]["metrics"]), "slices": measured_slices,
            "baseline_slices": base_slices, "checks": [c.to_dict() for c in checks],
            "notes": notes + unjudged, "thresholds": dict(thresholds or {}),
            "per_slice": dict(per_slice or {}), "min_slice_size": min_slice_size,
            "specs": [list(s) for s in specs], "baseline_ref": baseline_ref,
            "positive": answers.positive,
            "classes": None if answers.classes is None else answers.classes.tolist(),
        },
    )
    if save:
        store_record(record)
    return Evaluation(record, saved=save)


class _Quiet:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(rows: int, steps: int) -> tqdm | _Quiet:
    if rows < _PROGRESS_ROWS:
        return _Quiet()
    from tqdm.auto import tqdm

    return tqdm(total=steps - 1, desc=f"evaluating {rows:,} rows", unit="model", leave=False)
