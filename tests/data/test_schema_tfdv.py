"""infer_schema in TFDV's terms: types, presence, domains, environments, comparators, YAML."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops.data as data
from jupyter_mlops.data.features import SERVING, TRAINING, environments, features
from jupyter_mlops.data.schemas import infer_schema, schema_of
from jupyter_mlops.data.validation import load_schema
from jupyter_mlops.errors import InvalidInput


@pytest.fixture
def taxi() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = 400
    return pd.DataFrame({
        "trip_id": [f"t{i:05d}" for i in range(rows)],
        "payment_type": rng.choice(["Cash", "Credit Card", "No Charge"], rows),
        "passengers": rng.integers(1, 6, rows).astype("int64"),
        "fare": rng.gamma(2.0, 6.0, rows),
        "tips": np.where(rng.random(rows) < 0.1, np.nan, rng.gamma(1.0, 2.0, rows)),
        "big_tipper": rng.random(rows) > 0.8,
    })


def _by_name(schema):
    return {f.name: f for f in features(schema)}


def test_types_presence_and_domains(taxi):
    found = _by_name(infer_schema(taxi))
    assert {n: f.kind for n, f in found.items()} == {
        "trip_id": "BYTES", "payment_type": "BYTES", "passengers": "INT", "fare": "FLOAT",
        "tips": "FLOAT", "big_tipper": "BOOL"}
    assert found["payment_type"].values == ("Cash", "Credit Card", "No Charge")
    assert found["payment_type"].categorical and not found["fare"].categorical
    # Ids (every value unique) get no string domain, as TFDV leaves them open.
    assert found["trip_id"].values is None
    assert (found["passengers"].low, found["passengers"].high) == (1.0, 5.0)
    assert found["fare"].low == pytest.approx(taxi["fare"].min())
    # Presence: a column with no gap must always be there; one with gaps has no minimum.
    assert found["fare"].min_fraction == 1.0 and found["tips"].min_fraction == 0.0


def test_label_environment_and_comparators(taxi):
    schema = infer_schema(taxi, label="big_tipper", skew={"payment_type": 0.01},
                          drift=0.2, min_fraction={"tips": 0.85})
    found = _by_name(schema)
    assert found["big_tipper"].not_in_environment == (SERVING,)
    assert not found["big_tipper"].in_environment(SERVING)
    assert found["big_tipper"].in_environment(TRAINING)
    assert found["payment_type"].threshold("skew") == ("infinity_norm", 0.01)
    assert found["fare"].threshold("skew") is None
    assert found["fare"].threshold("drift") == ("jensen_shannon_divergence", 0.2)
    assert found["big_tipper"].threshold("drift") == ("infinity_norm", 0.2)
    assert found["tips"].min_fraction == 0.85
    assert environments(schema) == [TRAINING, SERVING]


def test_yaml_round_trip_keeps_every_annotation_in_a_fresh_process(taxi, tmp_path):
    schema = infer_schema(taxi, label=["big_tipper"], skew={"payment_type": 0.01, "fare": 0.05},
                          min_fraction={"tips": 0.85})
    path = tmp_path / "taxi.yaml"
    path.write_text(schema.to_yaml(), encoding="utf-8")
    assert _by_name(load_schema(str(path))) == _by_name(schema)
    # A new interpreter has registered nothing: reading the file must still keep them all
    # (pandera drops checks it does not know without a word).
    script = (
        "from jupyter_mlops.data.validation import load_schema\n"
        "from jupyter_mlops.data.features import features\n"
        f"s = load_schema({str(path)!r})\n"
        "for f in features(s): print(f.name, f.min_fraction, f.not_in_environment, "
        "f.comparators)\n"
        f"assert s.to_yaml() == open({str(path)!r}).read()\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert "payment_type 1.0 () {'skew': {'infinity_norm': 0.01}}" in out
    assert "fare 1.0 () {'skew': {'jensen_shannon_divergence': 0.05}}" in out
    assert "tips 0.85 ()" in out
    assert "big_tipper 1.0 ('SERVING',) {}" in out


def test_annotations_never_fail_pandera_itself(taxi):
    schema = infer_schema(taxi, label="big_tipper", skew=0.01, min_fraction=0.99)
    # presence is measured by mlops.check; pandera's own validate passes the annotations.
    report = data.validate(taxi.drop(columns=["trip_id"]).assign(trip_id="x"), schema)
    assert all(not f.check.startswith(("presence", "skew", "not_in")) for f in report.failures)


def test_a_stored_version_keeps_its_schema_with_comparators(tracking, taxi):
    schema = infer_schema(taxi, label="big_tipper", skew={"payment_type": 0.01})
    data.version_data(taxi, "trips", validate=schema)
    found = _by_name(schema_of("trips@1"))
    assert found["payment_type"].threshold("skew") == ("infinity_norm", 0.01)
    assert found["big_tipper"].not_in_environment == (SERVING,)


def test_unknown_columns_are_named(taxi):
    with pytest.raises(InvalidInput, match="No column 'churned' for label="):
        infer_schema(taxi, label="churned")
    with pytest.raises(InvalidInput, match="No column 'price' for skew="):
        infer_schema(taxi, skew={"price": 0.1})
