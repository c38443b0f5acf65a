"""Lineage: versioning inside a run is an output of the run, loading one is an input."""

from __future__ import annotations

import jupyter_mlops as mlops
import jupyter_mlops.data as data


def _links(run_id):
    return {(link.direction, link.kind, link.ref) for link in mlops.get_run(run_id).lineage}


def test_versions_and_loads_are_recorded_on_the_run(tracking, frame, make_tree, tmp_path):
    data.version_data(frame, "raw")
    root = make_tree({"a.txt": "a"})
    with mlops.start_run(name="prepare") as run:
        raw = data.load_data("raw@1")
        clean = data.version_data(raw.dropna(), "clean", description="no nulls")
        images = data.version_data(root, "images")
    assert clean.run_id == run.id and images.run_id == run.id
    assert _links(run.id) == {("input", "dataset", "raw@1"), ("output", "dataset", "clean@1"),
                              ("output", "dataset", "images@1")}
    with mlops.start_run(name="train") as train:
        data.checkout("images@1", tmp_path / "imgs")
        data.load_data("clean@latest")
    assert _links(train.id) == {("input", "dataset", "images@1"),
                                ("input", "dataset", "clean@1")}
    log = data.data_log("clean")
    assert [(e.version.ref, e.produced_by, e.read_by) for e in log] == \
        [("clean@1", (run.id,), (train.id,))]


def test_existing_version_is_still_an_output(tracking, frame):
    first = data.version_data(frame, "raw")
    with mlops.start_run() as run:
        assert data.version_data(frame, "raw") == first
    assert _links(run.id) == {("output", "dataset", "raw@1")}
    assert first.run_id is None


def test_nothing_is_recorded_outside_a_run(tracking, frame):
    data.version_data(frame, "raw")
    data.load_data("raw")
    assert data.data_log("raw")[0].read_by == ()
