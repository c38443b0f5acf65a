"""TFDV's formats through tensorflow-metadata's own protos: Schema, statistics, Anomalies."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow_metadata", reason="pip install 'jupyter-mlops[tfmd]'")

from tensorflow_metadata.proto.v0 import (
    anomalies_pb2,
    schema_pb2,
    statistics_pb2,
)

from jupyter_mlops.data.anomalies import check
from jupyter_mlops.data.features import features
from jupyter_mlops.data.schemas import infer_schema
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.interop import tfmd
from jupyter_mlops.monitor.skew import compare


@pytest.fixture
def trips() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = 500
    ints = pd.array(rng.integers(0, 5, rows), dtype="Int64")
    ints[[1, 7]] = pd.NA
    return pd.DataFrame({
        "payment_type": rng.choice(["Cash", "Credit Card", "No Charge"], rows),
        "company": pd.Categorical(rng.choice(["A", "B"], rows)),
        "passengers": rng.integers(1, 6, rows).astype("int64"),
        "stops": ints,
        "fare": rng.gamma(2.0, 6.0, rows),
        "shared": rng.random(rows) > 0.7,
        "pickup": pd.date_range("2025-05-01", periods=rows, freq="min"),
        "tips": rng.gamma(1.0, 2.0, rows),
    })


@pytest.fixture
def schema(trips):
    return infer_schema(trips, label="tips", skew={"payment_type": 0.01, "fare": 0.1},
                        drift={"company": 0.05}, min_fraction={"stops": 0.9})


def test_schema_round_trip_through_bytes_and_text(schema, tmp_path):
    proto = tfmd.to_schema(schema)
    assert isinstance(proto, schema_pb2.Schema)
    by_name = {f.name: f for f in proto.feature}
    assert by_name["payment_type"].type == schema_pb2.BYTES
    assert by_name["payment_type"].domain == "payment_type"
    assert list(proto.string_domain[0].value) == ["Cash", "Credit Card", "No Charge"]
    assert by_name["payment_type"].skew_comparator.infinity_norm.threshold == pytest.approx(0.01)
    assert by_name["fare"].skew_comparator.jensen_shannon_divergence.threshold == \
        pytest.approx(0.1)
    assert by_name["company"].drift_comparator.infinity_norm.threshold == pytest.approx(0.05)
    assert list(by_name["tips"].not_in_environment) == ["SERVING"]
    assert list(proto.default_environment) == ["TRAINING", "SERVING"]
    assert by_name["shared"].type == schema_pb2.INT and by_name["shared"].HasField(
        "bool_domain")
    assert (by_name["passengers"].int_domain.min, by_name["passengers"].int_domain.max) == (1, 5)
    assert by_name["stops"].presence.min_fraction == pytest.approx(0.9)
    assert by_name["pickup"].time_domain.integer_format != 0

    for path in (tmp_path / "schema.pbtxt", tmp_path / "schema.pb"):
        tfmd.write(proto, path)
        parsed = tfmd.read(path, "schema")
        assert parsed == proto
        back = tfmd.from_schema(parsed)
        assert tfmd.to_schema(back) == proto
        before, after = features(schema), features(back)
        assert [f.name for f in after] == [f.name for f in before]
        for old, new in zip(before, after, strict=True):
            assert (new.dtype, new.kind, new.values, new.not_in_environment) == (
                old.dtype, old.kind, old.values, old.not_in_environment)
            assert new.min_fraction == pytest.approx(old.min_fraction)
            for key in old.comparators:
                assert new.comparators[key] == pytest.approx(old.comparators[key])
            if old.kind == "FLOAT" and old.low is not None:
                # TFDV's float domain is 32-bit: rounded outwards, within one float32 step.
                assert new.low <= old.low <= new.low + abs(old.low) * 1e-6
                assert new.high >= old.high >= new.high - abs(old.high) * 1e-6
            else:
                assert (new.low, new.high) == (old.low, old.high)


def test_a_tfdv_schema_file_checks_our_data(tmp_path):
    path = tmp_path / "schema.pbtxt"
    path.write_text('''
feature {
  name: "payment_type"
  type: BYTES
  domain: "payment_type"
  presence { min_fraction: 1.0 min_count: 1 }
  skew_comparator { infinity_norm { threshold: 0.01 } }
}
feature {
  name: "trip_miles"
  type: FLOAT
  float_domain { min: 0.0 max: 100.0 }
  presence { min_fraction: 1.0 min_count: 1 }
}
feature {
  name: "tips"
  type: FLOAT
  presence { min_fraction: 1.0 min_count: 1 }
  not_in_environment: "SERVING"
}
string_domain { name: "payment_type" value: "Cash" value: "Credit Card" }
default_environment: "TRAINING"
default_environment: "SERVING"
''', encoding="utf-8")
    schema = tfmd.from_schema(tfmd.read(path, "schema"))
    serving = pd.DataFrame({"payment_type": ["Cash", "Prcard"], "trip_miles": [3.5, 250.0]})
    report = check(serving, schema, environment="SERVING")
    assert report.kinds() == {"payment_type": ["new_category"], "trip_miles": ["out_of_range"]}
    assert {f.name: f.threshold("skew") for f in features(schema)}["payment_type"] == (
        "infinity_norm", 0.01)


def test_statistics_match_the_data_and_round_trip(trips, tmp_path):
    proto = tfmd.statistics(trips, name="train")
    assert isinstance(proto, statistics_pb2.DatasetFeatureStatisticsList)
    (dataset,) = proto.datasets
    assert dataset.name == "train" and dataset.num_examples == 500
    by_name = {f.name: f for f in dataset.features}
    fare = by_name["fare"].num_stats
    assert by_name["fare"].type == statistics_pb2.FeatureNameStatistics.FLOAT
    assert fare.mean == pytest.approx(trips["fare"].mean())
    assert fare.std_dev == pytest.approx(trips["fare"].std(ddof=0))
    assert fare.median == pytest.approx(trips["fare"].median())
    assert (fare.min, fare.max) == (trips["fare"].min(), trips["fare"].max())
    standard, quantiles = fare.histograms
    assert standard.type == statistics_pb2.Histogram.STANDARD and len(standard.buckets) == 10
    assert sum(b.sample_count for b in standard.buckets) == 500
    assert quantiles.type == statistics_pb2.Histogram.QUANTILES
    stops = by_name["stops"].num_stats.common_stats
    assert (stops.num_non_missing, stops.num_missing) == (498, 2)
    payment = by_name["payment_type"].string_stats
    assert payment.unique == 3
    counts = trips["payment_type"].value_counts()
    assert payment.top_values[0].value == counts.index[0]
    assert payment.top_values[0].frequency == counts.iloc[0]
    assert [b.label for b in payment.rank_histogram.buckets] == list(counts.index)
    assert by_name["company"].type == statistics_pb2.FeatureNameStatistics.STRING
    assert by_name["shared"].num_stats.num_zeros == int((~trips["shared"]).sum())

    path = tfmd.write(proto, tmp_path / "stats.pb")
    assert tfmd.read(path, "statistics") == proto
    frame = tfmd.statistics_frame(path).set_index("feature")
    assert frame.loc["fare", "mean"] == pytest.approx(trips["fare"].mean())
    assert frame.loc["payment_type", "top"] == counts.index[0]
    assert frame.loc["stops", "missing"] == 2


def test_anomalies_and_skew_round_trip(trips, schema, tmp_path):
    serving = trips.drop(columns=["tips"]).head(200).copy()
    serving.loc[:19, "payment_type"] = "Mobile"
    serving.loc[:4, "passengers"] = 9
    serving.loc[:99, "stops"] = pd.NA
    serving["coupon"] = "x"
    report = check(serving, schema, environment="SERVING")
    skew = compare(trips, serving, schema)
    proto = tfmd.to_anomalies(report, schema, skew=skew)
    assert isinstance(proto, anomalies_pb2.Anomalies)
    assert proto.baseline == tfmd.to_schema(schema)
    types = anomalies_pb2.AnomalyInfo.Type
    reasons = {name: [types.Name(r.type) for r in info.reason]
               for name, info in proto.anomaly_info.items()}
    assert reasons["payment_type"] == ["ENUM_TYPE_UNEXPECTED_STRING_VALUES",
                                       "COMPARATOR_L_INFTY_HIGH"]
    assert reasons["passengers"] == ["INT_TYPE_BIG_INT"]
    assert reasons["stops"] == ["FEATURE_TYPE_LOW_FRACTION_PRESENT"]
    assert reasons["coupon"] == ["SCHEMA_NEW_COLUMN"]
    assert proto.anomaly_info["payment_type"].short_description == "Multiple errors"
    measured = {".".join(i.path.step): i.skew_measurements[0] for i in proto.drift_skew_info}
    assert measured["payment_type"].value == pytest.approx(skew["payment_type"].distance)
    assert measured["payment_type"].threshold == pytest.approx(0.01)

    path = tfmd.write(proto, tmp_path / "anomalies.pbtxt")
    back, back_skew = tfmd.from_anomalies(tfmd.read(path, "anomalies"))
    assert [(a.column, a.kind, a.description) for a in back] == [
        (a.column, a.kind, a.description) for a in report]
    assert [(f.column, f.measure, f.skewed) for f in back_skew.features] == [
        (f.column, f.measure, f.skewed) for f in skew.features]
    assert back_skew["payment_type"].distance == pytest.approx(skew["payment_type"].distance)
    assert back_skew["payment_type"].largest == skew["payment_type"].largest == "Mobile"


def test_tfdv_example_as_an_anomalies_proto():
    training = pd.DataFrame({"payment_type": ["Cash"] * 400 + ["Credit Card"] * 450 +
                             ["No Charge"] * 100 + ["Dispute"] * 30 + ["Unknown"] * 20})
    serving = pd.DataFrame({"payment_type": ["Cash"] * 1573 + ["Credit Card"] * 1489 +
                            ["No Charge"] * 330 + ["Dispute"] * 100 + ["Unknown"] * 54})
    schema = infer_schema(training, skew={"payment_type": 0.01})
    proto = tfmd.to_anomalies(schema=schema, skew=compare(training, serving, schema))
    info = proto.anomaly_info["payment_type"]
    assert info.short_description == "High L-infinity distance between serving and training"
    assert info.description.endswith("is 0.0435984 (up to six significant digits), above the "
                                     "threshold 0.01. The feature value with maximum "
                                     "difference is: Cash")
    assert math.isclose(proto.drift_skew_info[0].skew_measurements[0].value, 0.0435984,
                        rel_tol=1e-6)


def test_bad_files_and_a_missing_extra_are_one_line(tmp_path):
    junk = tmp_path / "junk.pbtxt"
    junk.write_text("feature { nme: 1 }", encoding="utf-8")
    with pytest.raises(InvalidInput, match="Not a Schema in text format"):
        tfmd.read(junk, "schema")
    with pytest.raises(InvalidInput, match="Unknown proto kind 'stats'"):
        tfmd.read(junk, "stats")
    script = ("import sys; sys.modules['tensorflow_metadata'] = None\n"
              "import pandas as pd\n"
              "from jupyter_mlops.errors import MissingDependency\n"
              "from jupyter_mlops.interop import tfmd\n"
              "try:\n"
              "    tfmd.statistics(pd.DataFrame({'a': [1]}))\n"
              "except MissingDependency as e:\n"
              "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert "pip install 'jupyter-mlops[tfmd]'" in out


def test_an_older_tensorflow_metadata_reads_our_protos(schema, trips, tmp_path):
    # TFX installs pin older tensorflow-metadata (TFDV 1.16 takes 1.16, with protobuf 5): our
    # files must parse there as the very same messages.
    from tests.peers import peer_python, quiet_env

    python = peer_python(["tensorflow-metadata==1.16.1"], module="tensorflow_metadata")
    skew = compare(trips, trips.assign(payment_type="Cash"), schema)
    files = {
        "schema": tfmd.write(tfmd.to_schema(schema), tmp_path / "schema.pb"),
        "statistics": tfmd.write(tfmd.statistics(trips), tmp_path / "stats.pb"),
        "anomalies": tfmd.write(tfmd.to_anomalies(schema=schema, skew=skew),
                                tmp_path / "anomalies.pb"),
    }
    script = (
        "import sys\n"
        "from google.protobuf import text_format\n"
        "from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2\n"
        "cls = {'schema': schema_pb2.Schema, 'statistics': "
        "statistics_pb2.DatasetFeatureStatisticsList, 'anomalies': anomalies_pb2.Anomalies}\n"
        "message = cls[sys.argv[1]]()\n"
        "message.ParseFromString(open(sys.argv[2], 'rb').read())\n"
        "open(sys.argv[3], 'w').write(text_format.MessageToString(message))\n"
    )
    for kind, path in files.items():
        out = tmp_path / f"{kind}.pbtxt"
        subprocess.run([str(python), "-c", script, kind, str(path), str(out)], check=True,
                       env=quiet_env(), timeout=120)
        assert tfmd.read(out, kind) == tfmd.read(path, kind)
