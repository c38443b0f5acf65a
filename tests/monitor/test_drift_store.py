"""Saving, listing, loading and deleting drift reports on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.monitor import delete_reports, drift_report, get_report, list_reports


def frames(shift: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 500), "c": rng.choice(list("ab"), 500)})
    cur = pd.DataFrame({"x": rng.normal(shift, 1, 500), "c": rng.choice(list("ab"), 500),
                        "extra": np.nan})
    return ref, cur


def test_save_list_get_round_trip(tracking):
    ref, cur = frames(1.0)
    report = drift_report(ref, cur, model="churn@3").save(name="nightly")
    assert report.save() is report  # saving twice stores once
    calm = drift_report(*frames(0.0)).save(name="other")
    listed = list_reports()
    assert [r.id for r in listed] == [calm.id, report.id]
    assert listed[1].results == () and listed[1].name == "nightly"
    assert [r.id for r in list_reports(name="nightly")] == [report.id]
    loaded = get_report(report.id[-8:])
    assert loaded.record.model == "churn@3"
    assert [r.column for r in loaded.results] == ["x", "c", "extra"]
    for before, after in zip(report.results, loaded.results, strict=True):
        assert (after.column, after.statistic, after.drifted, after.note, after.role) == \
            (before.column, before.statistic, before.drifted, before.note, before.role)
        assert after.value == before.value or (math.isnan(after.value)
                                               and math.isnan(before.value))
        assert after.details.keys() == before.details.keys()
    assert loaded.drifted == report.drifted and loaded.share == report.share
    assert loaded.figure(column="x").data  # figures work from the stored histograms
    assert loaded.to_frame().equals(report.to_frame())


def test_a_report_saved_inside_a_run_links_to_it(tracking):
    with mlops.start_run(experiment="monitoring") as run:
        report = drift_report(*frames(1.0)).save()
    assert get_report(report.id).record.run_id == run.id
    lineage = mlops.get_run(run.id).lineage
    assert ("output", "drift_report", report.id) in [(x.direction, x.kind, x.ref)
                                                     for x in lineage]


def test_unknown_short_and_deleted_ids(tracking):
    report = drift_report(*frames(0.0)).save()
    with pytest.raises(NotFound, match="jupyter mlops drift list"):
        get_report("ffffffffff")
    with pytest.raises(InvalidInput, match="too short"):
        get_report("abc")
    assert delete_reports([report.id]) == 1
    assert list_reports() == []


def test_dataset_versions_and_their_stored_profiles_as_inputs(tracking, tmp_path):
    data = pytest.importorskip("jupyter_mlops.data")
    ref, cur = frames(1.0)
    data.version_data(ref, "customers")
    by_version = drift_report("customers@1", cur)
    assert by_version.record.reference == "customers@1"
    assert by_version.drifted_columns == ["x"]
    by_profile = drift_report(data.reference_profile("customers@1"), cur)
    assert by_profile.drifted_columns == ["x"]
    assert "histogram" in by_profile.result("x").note
    cur.to_csv(tmp_path / "batch.csv", index=False)
    data.version_data(str(tmp_path / "batch.csv"), "batches")
    from_file = drift_report("customers@1", "batches@1")
    assert from_file.record.current == "batches@1" and from_file.drifted_columns == ["x"]
