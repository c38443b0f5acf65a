"""Registering versions, aliases, loading by every URI form, and the DataFrame views."""

from __future__ import annotations

import numpy as np
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.records import VersionStatus

from .conftest import register


def test_register_links_run_data_metrics_and_environment(tracking, trained):
    version = register(trained, dataset="customers@3", logloss=0.3)
    assert (version.name, version.version, version.status) == ("churn", 1,
                                                               VersionStatus.READY)
    run = mlops.get_run(version.run_id)
    assert version.datasets == ("customers@3",)
    assert version.metrics == {"auc": 0.9, "logloss": 0.3}
    assert version.params == {"C": "1.0"}
    assert version.flavor == "sklearn"
    assert version.environment_digest == run.environment_digest is not None
    assert version.signature["inputs"]["columns"][0] == {"name": "age", "type": "long",
                                                         "required": True}
    assert version.signature["output"]["kind"] == "classification"
    assert ("output", "model", f"runs:/{run.id}/model") in {
        (link.direction, link.kind, link.ref) for link in run.lineage}
    second = register(trained)
    assert second.version == 2


def test_register_from_run_id_and_from_model_object(tracking, trained, capsys):
    with mlops.start_run() as run:
        models.log_model(trained.good, input_example=trained.X)
    assert models.register_model(run.id, "by-run").run_id == run.id
    assert models.register_model(run.id[-8:], "by-run").version == 2
    # The object was logged by `run`: registering the object uses that run, logs nothing new.
    with mlops.start_run() as active:
        made = models.register_model(trained.good, "by-object", description="churn risk")
    assert made.run_id == run.id
    assert {m.name: m.description for m in models.list_models()}["by-object"] == "churn risk"
    from sklearn.base import clone

    other = clone(trained.good).fit(trained.X, trained.y)
    with mlops.start_run() as active:
        made = models.register_model(other, "by-object")
    assert made.run_id == active.id
    # Without an active run, a run named after the model is made for it, and that is said.
    fresh = clone(trained.good).fit(trained.X, trained.y)
    made = models.register_model(fresh, "fresh")
    assert mlops.get_run(made.run_id).name == "register-fresh"
    assert "No tracked run logged this Pipeline" in capsys.readouterr().out


def test_register_errors_are_clear(tracking, trained):
    with mlops.start_run() as run:
        mlops.log_metric("auc", 1.0)
    with pytest.raises(NotFound, match="logged no model"):
        models.register_model(run.id, "churn")
    with mlops.start_run() as run:
        models.log_model(trained.good, name="a")
        models.log_model(trained.good, name="b")
    with pytest.raises(InvalidInput, match=f"runs:/{run.id}/a, runs:/{run.id}/b"):
        models.register_model(run.id, "churn")
    with pytest.raises(InvalidInput, match="Invalid model name"):
        models.register_model(f"runs:/{run.id}/a", "bad/name")
    with pytest.raises(NotFound, match="no model at 'c'"):
        models.register_model(f"runs:/{run.id}/c", "churn")


def test_aliases_move_and_load_by_every_uri_form(tracking, trained):
    first = register(trained, alias="champion")
    second = register(trained, model=trained.bad)
    rows = trained.X.head(20)
    good = trained.good.predict(rows)
    bad = trained.bad.predict(rows)
    assert not np.array_equal(good, bad)
    for uri, expected in [
        ("churn@champion", good), ("models:/churn@champion", good), ("churn/1", good),
        ("models:/churn/1", good), ("churn/2", bad), ("churn", bad), ("churn@latest", bad),
        ("models:/churn/latest", bad), (f"runs:/{first.run_id}/model", good),
    ]:
        loaded = models.load_model(uri)
        np.testing.assert_array_equal(loaded.predict(rows), expected, err_msg=uri)
    move = models.set_alias("churn", "champion", 2, reason="retrained")
    assert (move.from_version, move.to_version, move.reason) == (1, 2, "retrained")
    assert models.load_model("churn@champion").version == 2
    assert models.get_version("churn/2").aliases == ("champion",)
    removed = models.delete_alias("churn", "champion")
    assert (removed.from_version, removed.to_version) == (2, None)
    with pytest.raises(NotFound, match="has no alias 'champion'"):
        models.load_model("churn@champion")
    assert second.version == 2


def test_unknown_names_versions_and_uris(tracking, trained):
    register(trained)
    with pytest.raises(NotFound, match=r"Unknown model 'nope'\. Known models: churn"):
        models.load_model("nope@champion")
    with pytest.raises(NotFound, match="no version 7"):
        models.load_model("churn/7")
    with pytest.raises(NotFound, match="no version 9"):
        models.set_alias("churn", "champion", 9)
    for bad in ("churn/0", "churn/x", "s3://bucket/model", "churn@latest!"):
        with pytest.raises(InvalidInput):
            models.load_model(bad)
    with pytest.raises(InvalidInput, match="reserved"):
        models.set_alias("churn", "latest", 1)


def test_loading_in_a_run_records_lineage(tracking, trained):
    register(trained, alias="champion")
    with mlops.start_run() as run:
        models.load_model("churn@champion")
    assert ("input", "model", "churn/1") in {
        (link.direction, link.kind, link.ref) for link in mlops.get_run(run.id).lineage}


def test_dataframe_views(tracking, trained):
    register(trained, alias="champion", auc=0.8)
    register(trained, auc=0.85)
    register(trained, name="fraud", auc=0.7)
    frame = models.models()
    assert list(frame["name"]) == ["churn", "fraud"]
    assert list(frame["latest_version"]) == [2, 1]
    assert frame.loc[0, "aliases"] == {"champion": 1}
    versions = models.model_versions("churn")
    assert list(versions["version"]) == [1, 2]
    assert list(versions["metrics.auc"]) == [0.8, 0.85]
    assert versions.loc[0, "aliases"] == ["champion"]
    assert versions.loc[0, "datasets"] == ["customers@1"]
    assert str(versions["created_at"].dtype).startswith("datetime64")


def test_the_models_package_is_also_the_models_listing(tracking, trained):
    register(trained)
    import jupyter_mlops.models as package

    assert package is models
    assert list(models()["name"]) == ["churn"]
    assert callable(models.load_model)
