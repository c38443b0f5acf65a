"""``drift_report``: compare current data with a reference, column by column, in parallel."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import InvalidInput
from ..records import DriftReportRecord, DriftResult
from . import statistics
from .columns import Plan, Side, compare, prepare_frame, prepare_profile
from .inputs import Source, resolve
from .report import DriftReport

PROGRESS_COLUMNS = 50
"""From this many columns a progress bar shows (``progress=None``)."""


def drift_report(
    reference: Any,
    current: Any,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    method: str | Mapping[str, str] = "auto",
    threshold: float | Mapping[str, float] | None = None,
    drift_share: float = 0.5,
    target: str | None = None,
    prediction: str | None = None,
    outliers: bool = False,
    since: float | str | None = None,
    model: str | None = None,
    progress: bool | None = None,
) -> DriftReport:
    """Compare ``current`` with ``reference`` column by column and give the dataset's verdict.

    Parameters
    ----------
    reference, current:
        DataFrames, CSV/Parquet paths, dataset versions ("customers@3"), or callables returning
        one (a loader hook); the reference may also be a profile (see ``monitor.profile``).
    columns:
        The columns to compare (default: every column of either side).
    categorical:
        Numeric columns to test as categories (codes, ids of classes).
    method:
        "auto" (the module docstring of ``monitor.columns`` says how it chooses), the name of
        a registered statistic for every column, or a mapping of column to name.
    threshold:
        One threshold for every column, or a mapping of column to threshold; default: each
        statistic's own (0.05 for p-values, 0.1 for distances).
    drift_share:
        The dataset drifts when at least this share of the tested feature columns drift.
    target, prediction:
        Columns holding the label and the model's output: reported as target and prediction
        drift, outside the dataset verdict.
    outliers:
        Also fit an IsolationForest on the reference and report the share of current rows it
        and the per-column range check call outliers (costs seconds on large frames).
    since:
        A time window passed to loader callables (e.g. "7d").
    model:
        The model version the data feeds ("churn@3"), recorded with the report.
    progress:
        Show a progress bar; default: from ``PROGRESS_COLUMNS`` columns up.

    Returns
    -------
    DriftReport
        Per-column results, the verdict, figures, HTML and JSON, ``save()``.
    """
    if not 0 < drift_share <= 1:
        raise InvalidInput(f"drift_share must be in (0, 1], not {drift_share!r}.")
    ref = resolve(reference, "reference", since)
    cur = resolve(current, "current", since)
    plans = _plans(ref, cur, columns, categorical, method, threshold, target, prediction)
    results = _run(ref, cur, plans, progress)
    features = [r for r in results if r.role == "feature" and r.tested]
    drifted = sum(r.drifted for r in features)
    share = drifted / len(features) if features else 0.0
    details: dict[str, Any] = {"tested": len(features), "drifted_count": drifted}
    for role in ("target", "prediction"):
        found = [r for r in results if r.role == role]
        if found:
            details[f"{role}_drift"] = {"column": found[0].column, "drifted": found[0].drifted}
    if outliers and ref.frame is None:
        details["outliers_skipped"] = "outliers need the reference's rows; a profile has none"
    elif outliers and cur.frame is not None and len(cur.frame):
        from .outliers import outlier_summary

        numeric = [r.column for r in results if r.type == "numeric" and r.role == "feature"
                   and r.column in ref.has and r.column in cur.has]
        details["outliers"] = outlier_summary(ref.frame, cur.frame, numeric)
    record = DriftReportRecord(
        id=_new_id(), created_at=time.time(), reference=ref.label, current=cur.label,
        drifted=bool(features) and share >= drift_share, share=share, drift_share=drift_share,
        method=method if isinstance(method, str) else "per-column", reference_rows=ref.rows,
        current_rows=cur.rows, results=tuple(results), model=model, details=details,
    )
    return DriftReport(record)


def _new_id() -> str:
    """A 32-hex id that sorts by creation time: milliseconds first, then random bits."""
    millis = time.time_ns() // 1_000_000
    return f"{millis:012x}{secrets.token_hex(10)}"


def _plans(ref: Source, cur: Source, columns: Sequence[str] | None,
           categorical: Sequence[str] | None, method: str | Mapping[str, str],
           threshold: float | Mapping[str, float] | None, target: str | None,
           prediction: str | None) -> list[Plan]:
    known = list(dict.fromkeys([*ref.columns, *cur.columns]))
    if isinstance(columns, str):
        columns = [columns]
    names = list(dict.fromkeys(columns)) if columns is not None else known
    wanted = [*names, *(c for c in (target, prediction) if c and c not in names)]
    known_set = ref.has | cur.has
    absent = [c for c in wanted if c not in known_set]
    if absent:
        raise InvalidInput(
            f"No column {absent[0]!r} in either frame. Columns: {_listing(known)}."
        )
    if not any(c in ref.has and c in cur.has for c in wanted):
        # Nothing compared must never read as "no drift" (nor pass --fail-on-drift).
        raise InvalidInput(
            f"The reference and current data have no column in common to compare. Reference: "
            f"{_listing(list(ref.columns))}; current: {_listing(list(cur.columns))}."
        )
    _check_names(method, threshold, wanted)
    forced = set(categorical or ())
    plans = []
    for name in wanted:
        role = "target" if name == target else "prediction" if name == prediction else "feature"
        chosen = method.get(name, "auto") if isinstance(method, Mapping) else method
        if chosen != "auto":
            statistics.get(chosen)
        limit = threshold.get(name) if isinstance(threshold, Mapping) else threshold
        notes = []
        if name not in ref.has:
            notes.append("not in the reference")
        elif name not in cur.has:
            notes.append("missing from the current data")
        plans.append(Plan(name, role, chosen, limit, name in forced, notes))
    return plans


def _check_names(method: str | Mapping[str, str], threshold: Any, wanted: list[str]) -> None:
    for option, value in (("method", method), ("threshold", threshold)):
        if isinstance(value, Mapping):
            unknown = [c for c in value if c not in wanted]
            if unknown:
                raise InvalidInput(f"{option} names column {unknown[0]!r}, which is not compared.")
    if isinstance(threshold, (int, float)) and not threshold >= 0:
        raise InvalidInput(f"threshold must be a non-negative number, not {threshold!r}.")


def _listing(names: Iterable[str]) -> str:
    shown = list(names)
    return ", ".join(shown[:20]) + (f" and {len(shown) - 20} more" if len(shown) > 20 else "")


def _side(source: Source, plan: Plan) -> tuple[str, Side] | None:
    if plan.name not in source.has:
        return None
    if source.frame is not None:
        column = source.frame[plan.name]
        if column.ndim == 2:
            # Several columns share the name: the first one stands for them all.
            plan.notes.append(f"{column.shape[1]} columns named {plan.name!r} in the "
                              f"{source.label}; the first one compared")
            column = column.iloc[:, 0]
        return prepare_frame(column, plan)
    assert source.profile is not None
    return prepare_profile(source.profile["columns"][plan.name], source.rows, plan)


def _one(ref: Source, cur: Source, plan: Plan) -> DriftResult:
    left, right = _side(ref, plan), _side(cur, plan)
    if left is None or right is None:
        present = left or right
        kind = present[0] if present else "unknown"
        return DriftResult(plan.name, kind, None, float("nan"), float("nan"), False, plan.role,
                           "; ".join(plan.notes))
    return compare(plan, left[0], left[1], right[0], right[1])


def _run(ref: Source, cur: Source, plans: list[Plan], progress: bool | None) -> list[DriftResult]:
    show = len(plans) >= PROGRESS_COLUMNS if progress is None else progress
    tick: Callable[[], None] = lambda: None  # noqa: E731
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(plans), desc="drift", unit="col", leave=False)
        tick = lambda: bar.update(1)  # noqa: E731
    workers = min(len(plans), os.cpu_count() or 1)
    try:
        if workers <= 1:
            results = []
            for plan in plans:
                results.append(_one(ref, cur, plan))
                tick()
            return results
        # Sorting and counting release the GIL, so columns run side by side on every core.
        with ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(_one, ref, cur, plan) for plan in plans]
            results = []
            for future in futures:
                results.append(future.result())
                tick()
            return results
    finally:
        if bar is not None:
            bar.close()
