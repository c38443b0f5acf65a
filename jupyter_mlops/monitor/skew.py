"""Training-serving skew, as TFDV measures it: the training data against what was served.

Each feature of the schema that is in the SERVING environment and in both sides is compared
with the measure of its schema's ``skew_comparator``: the L-infinity distance of the value
shares for categorical features (the largest difference of one value's share, and that value),
the Jensen-Shannon divergence of a shared histogram for numeric ones. A feature whose schema
sets no threshold gets ``DEFAULT_THRESHOLDS`` (BigQuery ML's ``TFDV_VALIDATE`` defaults: TFDV
itself checks only the features with a comparator). ``skew_report("churn@champion",
since="7d")`` takes the version's training data from its lineage and the serving side from its
prediction log, and stores the report as an evaluation of kind "skew".
"""

from __future__ import annotations

import dataclasses
import html
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, MlopsError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

L_INFINITY = "infinity_norm"
JENSEN_SHANNON = "jensen_shannon_divergence"
DEFAULT_THRESHOLDS = {L_INFINITY: 0.3, JENSEN_SHANNON: 0.3}
BINS = 10
"""Buckets of the shared numeric histogram (TFDV's standard histograms have 10)."""

_LOG_COLUMNS = ("prediction", "version", "timestamp", "request_id")
_SHORT = {L_INFINITY: "L-infinity distance", JENSEN_SHANNON: "Jensen-Shannon divergence"}


def l_infinity(training: Any, serving: Any) -> tuple[float, Any]:
    """The L-infinity distance of two samples' value shares, and the value that differs most.

    Nulls are left out, as TFDV's rank histograms leave them out; a value seen on one side only
    counts with a share of 0 on the other.
    """
    import pandas as pd

    p = _shares(training)
    q = _shares(serving)
    frame = pd.concat([p, q], axis=1, keys=["p", "q"]).fillna(0.0)
    if frame.empty:
        return 0.0, None
    difference = (frame["p"] - frame["q"]).abs()
    return float(difference.max()), difference.idxmax()


def _shares(values: Any) -> pd.Series:
    present = values.dropna()
    # Values as text: one side read back from JSON holds 1 where the other holds "1".
    counts = present.astype(str).value_counts()
    return counts / max(int(counts.sum()), 1)


def jensen_shannon(training: Any, serving: Any, bins: int = BINS) -> float:
    """The Jensen-Shannon divergence (base 2, so from 0 to 1) of two numeric samples.

    Both are counted in one histogram of ``bins`` equal-width buckets over the range of both
    (finite values only), as TFDV compares two features' histograms bucket by bucket.
    """
    import numpy as np

    a = _finite(training)
    b = _finite(serving)
    if not len(a) or not len(b):
        return 0.0 if len(a) == len(b) else 1.0
    low, high = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    if low == high:
        return 0.0
    edges = np.linspace(low, high, bins + 1)
    p = np.histogram(a, edges)[0] / len(a)
    q = np.histogram(b, edges)[0] / len(b)
    m = (p + q) / 2
    return float(max(0.0, 0.5 * _kl(p, m) + 0.5 * _kl(q, m)))


def _finite(values: Any) -> np.ndarray:
    import numpy as np
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return numbers[np.isfinite(numbers)]


def _kl(p: Any, m: Any) -> float:
    import numpy as np

    held = p > 0
    return float(np.sum(p[held] * np.log2(p[held] / m[held])))


@dataclass(frozen=True)
class FeatureSkew:
    """One feature's skew: the measure, its value, the threshold and where it came from."""

    column: str
    measure: str
    distance: float
    threshold: float
    source: str
    largest: Any = None
    training_rows: int = 0
    serving_rows: int = 0

    @property
    def skewed(self) -> bool:
        return self.distance > self.threshold

    @property
    def description(self) -> str:
        """TFDV's sentence for this comparison."""
        text = (f"The {_SHORT[self.measure]} between serving and training is "
                f"{self.distance:.6g} (up to six significant digits), "
                f"{'above' if self.skewed else 'within'} the threshold {self.threshold:.6g}.")
        if self.measure == L_INFINITY and self.largest is not None:
            text += f" The feature value with maximum difference is: {self.largest}"
        return text


@dataclass(frozen=True)
class SkewReport:
    """Training-serving skew of every compared feature; ``ok`` when none passes its threshold."""

    features: tuple[FeatureSkew, ...]
    training: str
    serving: str
    model: str | None = None
    since: float | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    id: str = ""
    created_at: float = 0.0

    @property
    def skewed(self) -> list[FeatureSkew]:
        """The features whose distance passes their threshold."""
        return [f for f in self.features if f.skewed]

    @property
    def ok(self) -> bool:
        return not self.skewed

    def __bool__(self) -> bool:
        return self.ok

    def __getitem__(self, column: str) -> FeatureSkew:
        for feature in self.features:
            if feature.column == column:
                return feature
        raise KeyError(f"No feature {column!r} in this skew report: it compared "
                       f"{', '.join(f.column for f in self.features)}.")

    def to_frame(self) -> pd.DataFrame:
        """One row a feature: column, measure, distance, threshold, source, skewed, largest."""
        import pandas as pd

        return pd.DataFrame(
            [(f.column, f.measure, f.distance, f.threshold, f.source, f.skewed, f.largest,
              f.training_rows, f.serving_rows) for f in self.features],
            columns=["column", "measure", "distance", "threshold", "source", "skewed",
                     "largest", "training_rows", "serving_rows"])

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "model": self.model,
                "training": self.training, "serving": self.serving, "since": self.since,
                "ok": self.ok, "skipped": dict(self.skipped),
                "features": [{"column": f.column, "measure": f.measure,
                              "distance": f.distance, "threshold": f.threshold,
                              "source": f.source, "skewed": f.skewed,
                              "largest": None if f.largest is None else str(f.largest),
                              "training_rows": f.training_rows,
                              "serving_rows": f.serving_rows,
                              "description": f.description} for f in self.features]}

    def summary(self) -> str:
        what = f"{self.model}: " if self.model else ""
        head = f"{what}{self.serving} against {self.training}"
        if self.ok:
            return f"{head}: no skew in {len(self.features)} features."
        return (f"{head}: skew in {len(self.skewed)} of {len(self.features)} features: "
                + "; ".join(f"{f.column} ({f.description})" for f in self.skewed))

    def __str__(self) -> str:
        return self.summary()

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        mark = "&#10004;" if self.ok else "&#10008;"
        rows = "".join(
            f"<tr><td>{html.escape(f.column)}</td><td>{_SHORT[f.measure]}</td>"
            f"<td>{f.distance:.6g}</td><td>{f.threshold:.6g} ({html.escape(f.source)})</td>"
            f"<td>{'<b>skew</b>' if f.skewed else 'ok'}</td>"
            f"<td>{html.escape('' if f.largest is None else str(f.largest))}</td></tr>"
            for f in self.features)
        return (f"<p>{mark} <b>{html.escape(self.model or 'Skew')}</b>: "
                f"{html.escape(self.serving)} against {html.escape(self.training)}</p>"
                "<table><thead><tr><th>feature</th><th>measure</th><th>distance</th>"
                "<th>threshold</th><th>verdict</th><th>largest difference at</th></tr>"
                f"</thead><tbody>{rows}</tbody></table>")


def compare(training: Any, serving: Any, schema: Any = None, *,
            threshold: float | Mapping[str, float] | None = None, training_label: str = "training",
            serving_label: str = "serving") -> SkewReport:
    """Skew of two DataFrames, feature by feature, with the schema's comparators.

    Parameters
    ----------
    training, serving:
        DataFrames.
    schema:
        A pandera schema (``infer_schema``) or anything ``data.schemas.schema_of`` reads;
        default: inferred from ``training``.
    threshold:
        Overrides the schema and the defaults: one threshold for every feature, or per column.
    """
    import pandas as pd

    from ..data.features import SERVING, features
    from ..data.schemas import infer_schema, schema_of

    if schema is None or isinstance(schema, pd.DataFrame):
        schema = infer_schema(training if schema is None else schema)
    else:
        schema = schema_of(schema)
    results, skipped = [], {}
    for feature in features(schema):
        name = feature.name
        if not feature.in_environment(SERVING):
            skipped[name] = "not in the SERVING environment"
        elif name not in training.columns or name not in serving.columns:
            side = "training" if name not in training.columns else "serving"
            skipped[name] = f"missing from the {side} data"
        elif feature.kind == "TIMESTAMP":
            skipped[name] = "a timestamp: no skew measure"
        else:
            results.append(_feature_skew(feature, training[name], serving[name], threshold))
    return SkewReport(tuple(results), training_label, serving_label, skipped=skipped)


def _feature_skew(feature: Any, training: Any, serving: Any,
                  override: float | Mapping[str, float] | None) -> FeatureSkew:
    configured = feature.threshold("skew")
    measure = configured[0] if configured else (
        L_INFINITY if feature.categorical else JENSEN_SHANNON)
    if isinstance(override, Mapping) and feature.name in override:
        limit, source = float(override[feature.name]), "argument"
    elif override is not None and not isinstance(override, Mapping):
        limit, source = float(override), "argument"
    elif configured:
        limit, source = configured[1], "schema"
    else:
        limit, source = DEFAULT_THRESHOLDS[measure], "default"
    largest = None
    if measure == L_INFINITY:
        distance, largest = l_infinity(training, serving)
    else:
        distance = jensen_shannon(training, serving)
    return FeatureSkew(feature.name, measure, distance, limit, source, largest,
                       int(training.notna().sum()), int(serving.notna().sum()))


def skew_report(model: str, since: float | str = "7d", *, training: Any = None,
                schema: Any = None, threshold: float | Mapping[str, float] | None = None,
                save: bool = True) -> SkewReport:
    """Training-serving skew of a registered version: its training data against what it served.

    Parameters
    ----------
    model:
        A registered version, ``"churn@champion"``, ``"churn/3"`` or ``"churn"``.
    since:
        The window of the prediction log: a duration back from now ("7d", "12h") or a time;
        only requests this version answered count.
    training:
        The training data (a dataset version, file or DataFrame); default: the DataFrame
        version the version's source run read (its lineage).
    schema:
        The schema holding the skew comparators; default: the training data version's
        (its schema, its dataset's contract, or one inferred from it).
    threshold:
        One threshold for every feature, or per column, over the schema's and the defaults.
    save:
        Store the report in the workspace as an evaluation of kind "skew".

    Returns
    -------
    SkewReport
        ``ok``, ``skewed``, ``to_frame()``; a table in a notebook.
    """
    from .. import models
    from .inputs import since_timestamp

    version = models.get_version(model)
    start = since_timestamp(_number_or_text(since))
    train_ref, train_frame = _training(version, training)
    served = models.predictions(version.name, version=version.version, since=start)
    if served.empty:
        raise InvalidInput(
            f"No logged predictions of {version.name}/{version.version} since {since}: serve "
            f"it with `jupyter mlops serve {version.name}/{version.version}` (the prediction "
            "log is on by default), or widen the window.")
    served = served.drop(columns=[c for c in _LOG_COLUMNS if c in served.columns])
    if schema is None:
        # A dataset version's schema holds its comparators; other data gets one inferred.
        schema = train_ref if isinstance(train_ref, str) and "@" in train_ref else train_frame
    label = f"{version.name}/{version.version} prediction log since {_when(start)}"
    report = compare(train_frame, served, schema, threshold=threshold,
                     training_label=str(train_ref), serving_label=label)
    report = dataclasses.replace(report, model=f"{version.name}/{version.version}",
                                 since=start, id=_new_id(), created_at=time.time())
    if save:
        _save(report, version.name, version.version, len(served))
    return report


def _training(version: Any, training: Any) -> tuple[Any, Any]:
    from ..data.reads import resolve_version
    from ..data.schemas import _frame

    if training is not None:
        frame = _frame(training)
        label = training if isinstance(training, str) else str(
            frame.attrs.get("mlops_ref", "DataFrame"))
        return label, frame
    frames = []
    for ref in version.datasets:
        try:
            found = resolve_version(ref)
        except MlopsError:  # a version deleted since, or a reference of another kind
            continue
        if found.kind == "dataframe":
            frames.append(found.ref)
    if not frames:
        raise InvalidInput(
            f"{version.name}/{version.version} records no DataFrame version as training data "
            f"(its run read {', '.join(version.datasets) or 'none'}): pass training=, e.g. "
            "training='customers@3'.")
    # The first DataFrame the run read is its training data by the usual order of a notebook.
    return frames[0], _frame(frames[0])


def _save(report: SkewReport, name: str, version: int, rows: int) -> None:
    from ..session import current
    from ..store.evaluations import EvaluationRecord
    from .alerts import after_verdict_saved

    record = EvaluationRecord(
        id=report.id, kind="skew", created_at=report.created_at, name=name, version=version,
        data=report.training, baseline=None, label="", task="skew", rows=rows,
        blessed=report.ok,
        failures=tuple(f"{f.column}: {f.description}" for f in report.skewed),
        details=report.to_dict())
    current().store.evaluations.save(record)
    after_verdict_saved(record)  # skew rules tell right away


def _number_or_text(since: float | str) -> float | str:
    # The command line hands over "1767225600" as text: a time, not a malformed duration.
    if isinstance(since, str):
        try:
            return float(since)
        except ValueError:
            return since
    return since


def _new_id() -> str:
    """A 32-hex id that sorts by creation time: milliseconds first, then random bits."""
    millis = time.time_ns() // 1_000_000
    return f"{millis:012x}{secrets.token_hex(10)}"


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))
