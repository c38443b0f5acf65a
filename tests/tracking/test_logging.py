"""Params, metrics, tags and artifacts logged through the public API."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.session import current


def test_params_are_stored_as_text_and_fixed(tracking):
    with mlops.start_run() as run:
        mlops.log_params({"C": 0.5, "n": 3, "flag": True, "none": None, "layers": [64, 32],
                          "opts": {"b": 1, "a": np.float32(2.5)}, "path": Path("data/x.csv")})
        mlops.log_param("C", 0.5)  # same value again: fine
        with pytest.raises(InvalidInput, match=r"'C'.*already '0\.5'"):
            mlops.log_param("C", 1.0)
    params = mlops.get_run(run.id).params
    assert params == {"C": "0.5", "n": "3", "flag": "True", "none": "None",
                      "layers": "[64, 32]", "opts": '{"a": 2.5, "b": 1}', "path": "data/x.csv"}


def test_unserialisable_param_names_the_key(tracking):
    with mlops.start_run(), pytest.raises(ValueError, match="'model' has type object"):
        mlops.log_param("model", object())


@pytest.mark.parametrize("bad", ["", "a" * 251, "/abs", "a/../b", "semi;colon", 3])
def test_invalid_keys_are_refused(tracking, bad):
    with mlops.start_run(), pytest.raises(ValueError):
        mlops.log_metric(bad, 1.0)


def test_non_numeric_metric_names_the_key(tracking):
    with mlops.start_run():
        with pytest.raises(ValueError, match="Metric 'acc' must be a number, not str"):
            mlops.log_metric("acc", "high")
        with pytest.raises(ValueError, match="Metric 'acc' must be a number, not NoneType"):
            mlops.log_metric("acc", None)
        with pytest.raises(ValueError, match="Step of metric 'acc'"):
            mlops.log_metric("acc", 1.0, step=1.5)


def test_nan_and_infinity_survive(tracking):
    with mlops.start_run() as run:
        mlops.log_metric("nan", float("nan"))
        mlops.log_metric("pinf", float("inf"))
        mlops.log_metric("ninf", -np.inf)
        mlops.log_metric("np", np.float64(0.25))
        mlops.log_metric("zero_d", np.array(3.0))
    metrics = mlops.get_run(run.id).metrics
    assert math.isnan(metrics["nan"])
    assert metrics["pinf"] == math.inf and metrics["ninf"] == -math.inf
    assert metrics["np"] == 0.25 and metrics["zero_d"] == 3.0
    history = mlops.metric_history(run.id, "nan")
    assert math.isnan(history["value"][0])


def test_steps_count_up_per_key_and_latest_value_wins(tracking):
    with mlops.start_run() as run:
        for value in (0.9, 0.5, 0.3):
            mlops.log_metric("loss", value)
        mlops.log_metric("acc", 0.1, step=10)
        mlops.log_metric("acc", 0.7, step=2)  # an older step does not become the latest
        mlops.log_metrics({"f1": 0.4, "auc": 0.8}, step=5)
    history = mlops.metric_history(run.id, "loss")
    assert list(history["step"]) == [0, 1, 2]
    assert list(history["value"]) == [0.9, 0.5, 0.3]
    metrics = mlops.get_run(run.id).metrics
    assert metrics == {"loss": 0.3, "acc": 0.1, "f1": 0.4, "auc": 0.8}


def test_metrics_are_written_within_the_flush_interval_while_running(tracking):
    """A live run's metrics reach the store in the background, without ending the run."""
    import time

    run = mlops.start_run()
    mlops.log_metric("x", 1.0)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if current().store.runs.metric_history(run.id, "x"):
                break
        except NotFound:  # the run's own row is written by the same background pass
            pass
        time.sleep(0.05)
    assert [m.value for m in current().store.runs.metric_history(run.id, "x")] == [1.0]
    run.end()


def test_tags_may_change(tracking):
    with mlops.start_run(tags={"stage": "dev"}) as run:
        mlops.set_tag("stage", "prod")
        mlops.set_tags({"owner": "ana", "n": 2})
    assert mlops.get_run(run.id).tags == {"stage": "prod", "owner": "ana", "n": "2"}


def test_artifacts_files_and_folders(tracking, tmp_path):
    single = tmp_path / "model.bin"
    single.write_bytes(b"\x00weights" * 100)
    folder = tmp_path / "plots"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    with mlops.start_run() as run:
        assert mlops.log_artifact(str(single)) == ["model.bin"]
        assert mlops.log_artifact(str(folder), artifact_path="figures") == [
            "figures/plots/a.txt", "figures/plots/sub/b.txt"]
        with pytest.raises(NotFound, match="No file or folder"):
            mlops.log_artifact(str(tmp_path / "missing"))
    stored = {a.path: a for a in mlops.get_run(run.id).artifacts}
    assert set(stored) == {"model.bin", "figures/plots/a.txt", "figures/plots/sub/b.txt"}
    artifacts = current().store.artifacts
    assert artifacts.get_bytes(stored["model.bin"].digest) == single.read_bytes()
    assert stored["model.bin"].size == single.stat().st_size


def test_same_content_is_stored_once(tracking):
    with mlops.start_run():
        first = mlops.log_text("same", "a.txt")
        second = mlops.log_text("same", "b.txt")
    assert first == second
    assert sum(1 for _ in current().store.artifacts.blobs()) == 1


def test_text_dict_table_and_figures(tracking):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go

    frame = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", None]})
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    with mlops.start_run() as run:
        mlops.log_text("hello ✓", "notes/readme.txt")
        mlops.log_dict({"a": 1, "arr": np.arange(3)}, "config.json")
        mlops.log_table(frame, "table.parquet")
        mlops.log_table(frame, "table.csv")
        mlops.log_figure(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "fig.json")
        mlops.log_figure(fig, "fig.png")
        with pytest.raises(ValueError, match=r"parquet, \.csv or \.json"):
            mlops.log_table(frame, "table.xlsx")
        with pytest.raises(ValueError, match="plotly or matplotlib"):
            mlops.log_figure("not a figure", "x.png")
    plt.close(fig)
    by_path = {a.path: a.digest for a in mlops.get_run(run.id).artifacts}
    get = current().store.artifacts.get_bytes
    assert get(by_path["notes/readme.txt"]).decode() == "hello ✓"
    assert json.loads(get(by_path["config.json"])) == {"a": 1, "arr": [0, 1, 2]}
    import io

    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(get(by_path["table.parquet"]))),
                                  frame)
    assert json.loads(get(by_path["fig.json"]))["data"][0]["type"] == "scatter"
    assert get(by_path["fig.png"]).startswith(b"\x89PNG")
