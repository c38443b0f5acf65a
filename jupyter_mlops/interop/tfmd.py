"""TFDV's own formats (tensorflow-metadata protos) for our schemas, statistics and anomalies.

``pip install jupyter-mlops[tfmd]`` brings ``tensorflow-metadata``: pure protobuf, no
TensorFlow. ``to_schema`` writes a pandera schema (``infer_schema``) as a ``Schema`` proto:
types, presence, string domains (top-level, named after their feature, as TFDV infers them),
int/float ranges, bool domains, ``not_in_environment`` and the skew/drift comparators; the
pandas dtype rides in an annotation tag (``pandas_dtype:...``) so ``from_schema`` gives the same
schema back, and a TFDV ``schema.pbtxt`` reads as a pandera schema. ``statistics`` computes a
``DatasetFeatureStatisticsList`` of a DataFrame (TFDV's descriptive statistics, histograms
included); ``to_anomalies`` writes ``check``'s anomalies and ``skew_report``'s measurements as
an ``Anomalies`` proto, which ``from_anomalies`` reads back. ``write``/``read`` move any of them
to and from text-format (``.pbtxt``) or binary files.
"""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, MissingDependency

if TYPE_CHECKING:
    import pandas as pd
    from google.protobuf.message import Message
    from pandera.pandas import DataFrameSchema
    from tensorflow_metadata.proto.v0.anomalies_pb2 import Anomalies
    from tensorflow_metadata.proto.v0.schema_pb2 import Schema
    from tensorflow_metadata.proto.v0.statistics_pb2 import DatasetFeatureStatisticsList

DTYPE_TAG = "pandas_dtype:"
_TOP = 10
_BUCKETS = 10
_MAX_RANK = 1000


def _protos() -> tuple[Any, Any, Any]:
    try:
        from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2
    except ImportError:
        raise MissingDependency(
            "TFDV's formats need tensorflow-metadata: pip install 'jupyter-mlops[tfmd]'."
        ) from None
    return schema_pb2, statistics_pb2, anomalies_pb2


# -- Schema --------------------------------------------------------------------------------------


def to_schema(schema: Any) -> Schema:
    """A pandera schema (or anything ``data.schemas.schema_of`` reads) as a TFDV ``Schema``.

    Parameters
    ----------
    schema:
        A pandera schema, its YAML, a ``.yaml`` file or a dataset reference.

    Returns
    -------
    tensorflow_metadata.proto.v0.schema_pb2.Schema
    """
    from ..data.features import environments, features
    from ..data.schemas import schema_of

    schema_pb2, _, _ = _protos()
    source = schema_of(schema)
    out = schema_pb2.Schema()
    out.default_environment.extend(environments(source))
    for feature in features(source):
        proto = out.feature.add(name=feature.name)
        proto.annotation.tag.append(DTYPE_TAG + feature.dtype)
        proto.presence.min_fraction = feature.min_fraction
        proto.presence.min_count = 1
        if feature.kind == "BOOL":
            proto.type = schema_pb2.INT
            proto.bool_domain.SetInParent()
        elif feature.kind == "TIMESTAMP":
            proto.type = schema_pb2.INT
            proto.time_domain.integer_format = _time_format(feature.dtype)
        else:
            proto.type = getattr(schema_pb2, feature.kind)
        if feature.values is not None:
            out.string_domain.add(name=feature.name, value=[str(v) for v in feature.values])
            proto.domain = feature.name
        elif feature.low is not None or feature.high is not None:
            if feature.kind == "INT":
                if feature.low is not None:
                    proto.int_domain.min = math.floor(feature.low)
                if feature.high is not None:
                    proto.int_domain.max = math.ceil(feature.high)
            else:
                # FloatDomain holds 32-bit floats: round outwards, so the training data that
                # set the range still lies inside it.
                if feature.low is not None:
                    proto.float_domain.min = _float32(feature.low, -math.inf)
                if feature.high is not None:
                    proto.float_domain.max = _float32(feature.high, math.inf)
        proto.not_in_environment.extend(feature.not_in_environment)
        for comparator in ("skew", "drift"):
            found = feature.threshold(comparator)
            if found:
                measure, threshold = found
                field = getattr(getattr(proto, f"{comparator}_comparator"), measure)
                field.threshold = threshold
    return out


def _float32(value: float, towards: float) -> float:
    import numpy as np

    rounded = np.float32(value)
    # Compared as Python floats: numpy would cast ``value`` down to float32 first.
    if (towards < 0 and float(rounded) > value) or (towards > 0 and float(rounded) < value):
        rounded = np.nextafter(rounded, np.float32(towards))
    return float(rounded)


def _time_format(dtype: str) -> int:
    schema_pb2, _, _ = _protos()
    unit = dtype.partition("[")[2].split(",")[0].rstrip("]").strip()
    formats = {"s": "UNIX_SECONDS", "ms": "UNIX_MILLISECONDS", "us": "UNIX_MICROSECONDS",
               "ns": "UNIX_NANOSECONDS"}
    return int(schema_pb2.TimeDomain.IntegerTimeFormat.Value(formats.get(unit,
                                                                          "UNIX_NANOSECONDS")))


def from_schema(proto: Any) -> DataFrameSchema:
    """A TFDV ``Schema`` (a proto, its text format, or a ``.pbtxt`` file) as a pandera schema.

    Returns
    -------
    pandera.DataFrameSchema
        With the annotation checks ``mlops.check`` and ``skew_report`` read.
    """
    import pandera.pandas as pandera

    from ..data.features import register_checks

    schema_pb2, _, _ = _protos()
    proto = _as_message(proto, schema_pb2.Schema)
    register_checks()
    domains = {d.name: list(d.value) for d in proto.string_domain}
    columns = {}
    for feature in proto.feature:
        checks: list[Any] = []
        values = list(feature.string_domain.value) if feature.HasField("string_domain") else (
            domains.get(feature.domain) if feature.HasField("domain") else None)
        if values is not None:
            checks.append(pandera.Check.isin(values))
        for domain in (feature.int_domain, feature.float_domain):
            if domain.HasField("min"):
                checks.append(pandera.Check.greater_than_or_equal_to(float(domain.min)))
            if domain.HasField("max"):
                checks.append(pandera.Check.less_than_or_equal_to(float(domain.max)))
        fraction = feature.presence.min_fraction
        if 0 < fraction < 1:
            checks.append(pandera.Check.presence(min_fraction=fraction))
        if feature.not_in_environment:
            checks.append(pandera.Check.not_in_environment(
                environments=list(feature.not_in_environment)))
        for comparator in ("skew_comparator", "drift_comparator"):
            found = getattr(feature, comparator)
            thresholds = {m: getattr(found, m).threshold
                          for m in ("infinity_norm", "jensen_shannon_divergence")
                          if found.HasField(m)}
            if thresholds:
                checks.append(getattr(pandera.Check, comparator)(**thresholds))
        columns[feature.name] = pandera.Column(
            _dtype(feature, schema_pb2, fraction), checks=checks, nullable=fraction < 1,
            name=feature.name)
    return pandera.DataFrameSchema(columns, coerce=False)


def _dtype(feature: Any, schema_pb2: Any, fraction: float) -> str:
    for tag in feature.annotation.tag:
        if tag.startswith(DTYPE_TAG):
            return tag[len(DTYPE_TAG):]
    if feature.HasField("bool_domain"):
        return "bool"
    if feature.type == schema_pb2.INT:
        if feature.HasField("time_domain"):
            return "datetime64[ns]"
        return "int64" if fraction >= 1 else "Int64"
    if feature.type == schema_pb2.FLOAT:
        return "float64"
    return "str"


# -- Statistics ----------------------------------------------------------------------------------


def statistics(data: Any, name: str = "") -> DatasetFeatureStatisticsList:
    """TFDV's descriptive statistics of a DataFrame, a dataset version or a table file.

    Numeric columns (and booleans, as TFDV counts them) get ``num_stats`` with a standard and a
    quantiles histogram of 10 buckets; text and categorical columns ``string_stats`` with the
    top values and the rank histogram.

    Returns
    -------
    tensorflow_metadata.proto.v0.statistics_pb2.DatasetFeatureStatisticsList
    """
    from ..data.features import kind_of_series
    from ..data.schemas import _frame

    _, statistics_pb2, _ = _protos()
    frame = _frame(data)
    out = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = out.datasets.add(name=name or (data if isinstance(data, str) else str(
        frame.attrs.get("mlops_ref", "DataFrame"))), num_examples=len(frame))
    for column in frame.columns:
        series = frame[column]
        feature = dataset.features.add(name=str(column))
        kind = kind_of_series(series)
        if kind in ("INT", "FLOAT", "BOOL", "TIMESTAMP") and str(series.dtype) != "category":
            feature.type = statistics_pb2.FeatureNameStatistics.FLOAT if kind == "FLOAT" \
                else statistics_pb2.FeatureNameStatistics.INT
            _numeric(feature.num_stats, series, statistics_pb2)
        else:
            feature.type = statistics_pb2.FeatureNameStatistics.STRING
            _strings(feature.string_stats, series)
    return out


def _common(common: Any, series: Any) -> None:
    present = int(series.notna().sum())
    common.num_non_missing = present
    common.num_missing = len(series) - present
    if present:
        common.min_num_values = common.max_num_values = 1
        common.avg_num_values = 1.0
        common.tot_num_values = present


def _numeric(stats: Any, series: Any, statistics_pb2: Any) -> None:
    import numpy as np
    import pandas as pd

    _common(stats.common_stats, series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = series.dropna().astype("int64")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    values = values[~np.isnan(values)]
    if not len(values):
        return
    stats.mean, stats.std_dev = float(values.mean()), float(values.std())
    stats.num_zeros = int((values == 0).sum())
    stats.min, stats.max = float(values.min()), float(values.max())
    stats.median = float(np.median(values))
    standard = stats.histograms.add(type=statistics_pb2.Histogram.STANDARD)
    counts, edges = np.histogram(values, _BUCKETS)
    for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True):
        standard.buckets.add(low_value=float(low), high_value=float(high),
                             sample_count=float(count))
    quantiles = stats.histograms.add(type=statistics_pb2.Histogram.QUANTILES)
    cuts = np.quantile(values, np.linspace(0, 1, _BUCKETS + 1))
    for low, high in itertools.pairwise(cuts):
        quantiles.buckets.add(low_value=float(low), high_value=float(high),
                              sample_count=len(values) / _BUCKETS)


def _strings(stats: Any, series: Any) -> None:
    _common(stats.common_stats, series)
    text = series.dropna().astype(str)
    if not len(text):
        return
    counts = text.value_counts()
    stats.unique = len(counts)
    stats.avg_length = float(text.str.len().mean())
    for value, count in counts.iloc[:_TOP].items():
        stats.top_values.add(value=str(value), frequency=float(count))
    for rank, (value, count) in enumerate(counts.iloc[:_MAX_RANK].items()):
        stats.rank_histogram.buckets.add(low_rank=rank, high_rank=rank, label=str(value),
                                         sample_count=float(count))


def statistics_frame(proto: Any) -> pd.DataFrame:
    """A ``DatasetFeatureStatisticsList`` (ours or TFDV's) as a DataFrame: one row a feature of
    each dataset, with its count, missing, mean, std, min, median, max, unique and top value."""
    import pandas as pd

    _, statistics_pb2, _ = _protos()
    proto = _as_message(proto, statistics_pb2.DatasetFeatureStatisticsList)
    rows = []
    kinds = statistics_pb2.FeatureNameStatistics.Type
    for dataset in proto.datasets:
        for feature in dataset.features:
            name = feature.name or ".".join(feature.path.step)
            row: dict[str, Any] = {"dataset": dataset.name, "feature": name,
                                   "type": kinds.Name(feature.type)}
            if feature.HasField("num_stats"):
                n = feature.num_stats
                row.update(count=n.common_stats.num_non_missing,
                           missing=n.common_stats.num_missing, mean=n.mean, std=n.std_dev,
                           min=n.min, median=n.median, max=n.max, zeros=n.num_zeros)
            elif feature.HasField("string_stats"):
                s = feature.string_stats
                row.update(count=s.common_stats.num_non_missing,
                           missing=s.common_stats.num_missing, unique=s.unique,
                           top=s.top_values[0].value if s.top_values else None,
                           avg_length=s.avg_length)
            rows.append(row)
    return pd.DataFrame(rows)


# -- Anomalies -----------------------------------------------------------------------------------

_KIND_TYPES = {
    "missing_column": ("SCHEMA_MISSING_COLUMN", "Column dropped"),
    "unexpected_column": ("SCHEMA_NEW_COLUMN", "New column"),
    "type_change": ("UNEXPECTED_DATA_TYPE", "Unexpected data type"),
    "new_category": ("ENUM_TYPE_UNEXPECTED_STRING_VALUES", "Unexpected string values"),
    "too_many_nulls": ("FEATURE_TYPE_LOW_FRACTION_PRESENT", "Column dropped"),
    "failed_check": ("CUSTOM_VALIDATION", "Failed check"),
}
_RANGE_TYPES = {("INT", "low"): "INT_TYPE_SMALL_INT", ("INT", "high"): "INT_TYPE_BIG_INT",
                ("FLOAT", "low"): "FLOAT_TYPE_SMALL_FLOAT",
                ("FLOAT", "high"): "FLOAT_TYPE_BIG_FLOAT"}
_SKEW_TYPES = {"infinity_norm": ("COMPARATOR_L_INFTY_HIGH", "L_INFTY",
                                 "High L-infinity distance between serving and training"),
               "jensen_shannon_divergence": (
                   "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH", "JENSEN_SHANNON_DIVERGENCE",
                   "High Jensen-Shannon divergence between serving and training")}
_LARGEST = "The feature value with maximum difference is: "


def to_anomalies(report: Any = None, schema: Any = None, skew: Any = None) -> Anomalies:
    """``check``'s anomalies and a ``skew_report`` as a TFDV ``Anomalies`` proto.

    Parameters
    ----------
    report:
        An ``AnomalyReport`` (``mlops.check``), or None.
    schema:
        The schema checked against; becomes the proto's ``baseline``.
    skew:
        A ``SkewReport``: every measurement goes to ``drift_skew_info``, each skewed feature
        is an anomaly (``COMPARATOR_L_INFTY_HIGH`` or ``..._JENSEN_SHANNON_DIVERGENCE_HIGH``).

    Returns
    -------
    tensorflow_metadata.proto.v0.anomalies_pb2.Anomalies
    """
    from ..data.features import features

    _, _, anomalies_pb2 = _protos()
    types = anomalies_pb2.AnomalyInfo.Type
    out = anomalies_pb2.Anomalies()
    kinds: dict[str, str] = {}
    if schema is not None:
        out.baseline.CopyFrom(to_schema(schema))
        kinds = {f.name: f.kind for f in features(_schema_of(schema))}
    out.anomaly_name_format = anomalies_pb2.Anomalies.SERIALIZED_PATH
    for anomaly in (report.anomalies if report is not None else ()):
        info = (out.dataset_anomaly_info if anomaly.column is None
                else out.anomaly_info[anomaly.column])
        if anomaly.column is not None:
            info.path.step[:] = [anomaly.column]
        if anomaly.kind == "out_of_range":
            kind = "FLOAT" if kinds.get(anomaly.column or "") == "FLOAT" else "INT"
            m = anomaly.measurement
            ends = [end for end, past in (("low", m.get("low") is not None and m["min"] <
                                           m["low"]),
                                          ("high", m.get("high") is not None and m["max"] >
                                           m["high"])) if past] or ["high"]
            for end in ends:
                info.reason.add(type=types.Value(_RANGE_TYPES[(kind, end)]),
                                short_description="Out-of-range values",
                                description=anomaly.description)
        else:
            name, short = _KIND_TYPES[anomaly.kind]
            info.reason.add(type=types.Value(name), short_description=short,
                            description=anomaly.description)
        _summarise(info, anomalies_pb2)
    for feature in (skew.features if skew is not None else ()):
        anomaly_type, measure_type, short = _SKEW_TYPES[feature.measure]
        drift_skew = out.drift_skew_info.add()
        drift_skew.path.step.append(feature.column)
        drift_skew.skew_measurements.add(
            type=anomalies_pb2.DriftSkewInfo.Measurement.Type.Value(measure_type),
            value=feature.distance, threshold=feature.threshold)
        if feature.skewed:
            info = out.anomaly_info[feature.column]
            info.path.step[:] = [feature.column]
            info.reason.add(type=types.Value(anomaly_type), short_description=short,
                            description=feature.description)
            _summarise(info, anomalies_pb2)
    return out


def _summarise(info: Any, anomalies_pb2: Any) -> None:
    info.severity = anomalies_pb2.AnomalyInfo.ERROR
    info.short_description = (info.reason[0].short_description if len(info.reason) == 1
                              else "Multiple errors")
    info.description = " ".join(r.description for r in info.reason)


def from_anomalies(proto: Any) -> tuple[Any, Any]:
    """An ``Anomalies`` proto (ours or TFDV's) read back: the anomalies and the skew measured.

    Returns
    -------
    tuple[AnomalyReport, SkewReport | None]
        Column, kind and description of each anomaly (TFDV keeps no raw measurement, so
        ``measurement`` is empty), and the skew of each feature in ``drift_skew_info``.
    """
    from ..data.anomalies import Anomaly, AnomalyReport
    from ..monitor.skew import FeatureSkew, SkewReport

    _, _, anomalies_pb2 = _protos()
    proto = _as_message(proto, anomalies_pb2.Anomalies)
    names = anomalies_pb2.AnomalyInfo.Type
    back = {type_name: kind for kind, (type_name, _) in _KIND_TYPES.items()}
    back.update({type_name: "out_of_range" for type_name in _RANGE_TYPES.values()})
    skews = {type_name for type_name, _, _ in _SKEW_TYPES.values()}
    found = []
    infos = [(None, proto.dataset_anomaly_info)] if proto.HasField("dataset_anomaly_info") \
        else []
    for column, info in [*infos, *proto.anomaly_info.items()]:
        seen_range = False
        for reason in info.reason:
            type_name = names.Name(reason.type)
            if type_name in skews:
                continue
            kind = back.get(type_name, "failed_check")
            if kind == "out_of_range":
                if seen_range:  # one anomaly of ours, one reason for each end passed
                    continue
                seen_range = True
            found.append(Anomaly(column, kind, reason.description))
    measured = []
    measure_names = anomalies_pb2.DriftSkewInfo.Measurement.Type
    by_type = {m: name for name, (_, m, _) in _SKEW_TYPES.items()}
    for info in proto.drift_skew_info:
        column = ".".join(info.path.step)
        for measurement in info.skew_measurements:
            largest = None
            for reason in proto.anomaly_info[column].reason if column in proto.anomaly_info \
                    else ():
                if _LARGEST in reason.description:
                    largest = reason.description.split(_LARGEST, 1)[1]
            measured.append(FeatureSkew(column, by_type[measure_names.Name(measurement.type)],
                                        measurement.value, measurement.threshold, "tfmd",
                                        largest))
    # A proto map keeps no order: give them back in the baseline schema's feature order.
    order = {f.name: i for i, f in enumerate(proto.baseline.feature)}
    found.sort(key=lambda a: (a.column is not None, order.get(a.column or "", len(order)),
                              a.column or ""))
    skew = SkewReport(tuple(measured), "training", "serving") if measured else None
    return AnomalyReport(tuple(found), checked="Anomalies proto"), skew


# -- Files ---------------------------------------------------------------------------------------


def write(message: Any, path: str | os.PathLike[str]) -> Path:
    """Write a proto to ``path``: text format for ``.pbtxt``/``.txt``, binary otherwise."""
    from google.protobuf import text_format

    target = Path(path)
    if target.suffix in (".pbtxt", ".txt"):
        target.write_text(text_format.MessageToString(message), encoding="utf-8")
    else:
        target.write_bytes(message.SerializeToString())
    return target


def read(path: str | os.PathLike[str], kind: str) -> Message:
    """Read a ``"schema"``, ``"statistics"`` or ``"anomalies"`` proto from a file."""
    schema_pb2, statistics_pb2, anomalies_pb2 = _protos()
    classes = {"schema": schema_pb2.Schema,
               "statistics": statistics_pb2.DatasetFeatureStatisticsList,
               "anomalies": anomalies_pb2.Anomalies}
    if kind not in classes:
        raise InvalidInput(f"Unknown proto kind {kind!r}: use schema, statistics or anomalies.")
    source = Path(path)
    if not source.is_file():
        raise InvalidInput(f"No file {os.fspath(path)!r}.")
    return _as_message(source, classes[kind])


def _as_message(value: Any, cls: Any) -> Message:
    from google.protobuf import message, text_format

    if isinstance(value, cls):
        return value
    if isinstance(value, os.PathLike) or (isinstance(value, str) and "\n" not in value
                                          and Path(value).is_file()):
        path = Path(value)
        if path.suffix in (".pbtxt", ".txt"):
            value = path.read_text(encoding="utf-8")
        else:
            parsed = cls()
            try:
                parsed.ParseFromString(path.read_bytes())
            except message.DecodeError as exc:
                raise InvalidInput(f"{path} is not a binary {cls.DESCRIPTOR.name}: {exc}") \
                    from None
            return parsed
    if isinstance(value, bytes):
        parsed = cls()
        parsed.ParseFromString(value)
        return parsed
    if isinstance(value, str):
        try:
            return text_format.Parse(value, cls())
        except text_format.ParseError as exc:
            raise InvalidInput(f"Not a {cls.DESCRIPTOR.name} in text format: {exc}") from None
    raise InvalidInput(f"Cannot read a {type(value).__name__} as a {cls.DESCRIPTOR.name}: pass "
                       "the proto, its text format, its bytes or a file.")


def _schema_of(schema: Any) -> DataFrameSchema:
    from ..data.schemas import schema_of

    return schema_of(schema)
