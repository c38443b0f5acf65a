"""`sweep_step(..., jobs=2)`: trials side by side, each in its own copy of the pipeline folder.

Real kernels through papermill: the train notebook leaves a marker in a shared folder and waits
for a sibling's, so two trials can only both see two markers if they ran at the same time.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

import jupyter_mlops as mlops
from jupyter_mlops.errors import MlopsError
from jupyter_mlops.pipeline import cache
from jupyter_mlops.pipeline.spec import load_pipeline
from jupyter_mlops.records import Run
from jupyter_mlops.sweep.step import sweep_step
from tests.pipeline.pipeline_helpers import sqlite_only, write_pipeline

PREPARE = """\
from pathlib import Path
base = float(Path('data/raw.txt').read_text())
Path('data/prepared.txt').write_text(str(base * 2))
"""

TRAIN = """\
import os, time
from pathlib import Path
import jupyter_mlops as mlops
started = time.time()
target = float(Path('data/prepared.txt').read_text())
here = Path(rendezvous)
(here / f'{os.getpid()}.start').write_text(os.getcwd())
deadline = time.time() + 20
while len(list(here.glob('*.start'))) < 2 and time.time() < deadline:
    time.sleep(0.05)
Path('model.txt').write_text(repr(C))
mlops.set_tag('cwd', os.getcwd())
mlops.set_tag('listing', ','.join(sorted(os.listdir('.'))))
mlops.log_metrics({'score': -(C - target) ** 2, 'seen': len(list(here.glob('*.start'))),
                   'started': started, 'ended': time.time()})
"""

PIPELINE = """\
name: par
steps:
  prepare:
    notebook: notebooks/prepare.ipynb
    inputs: [data/raw.txt]
    outputs: [data/prepared.txt]
  train:
    notebook: notebooks/train.ipynb
    needs: [prepare]
    params: {{rendezvous: '{rendezvous}'}}
    outputs: [model.txt]
"""


def _notebook(path: Path, code: str, parameters: str = "") -> None:
    cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})] \
        if parameters else []
    cells.append(nbformat.v4.new_code_cell(code))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


def _project(root: Path, rendezvous: Path, train: str = TRAIN) -> None:
    _notebook(root / "notebooks" / "prepare.ipynb", PREPARE)
    _notebook(root / "notebooks" / "train.ipynb", train, "C = 1.0\nrendezvous = ''")
    (root / "data").mkdir()
    (root / "data" / "raw.txt").write_text("1.5")
    (root / ".git").mkdir()  # not the pipeline's: never copied
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    write_pipeline(root, PIPELINE.format(rendezvous=rendezvous))
    (root / "space.yaml").write_text("C: {type: float, low: 0.5, high: 5.0}\n")


def _children(parent: str) -> list[Run]:
    return mlops.search_runs(filter=f"parent_id = '{parent}'")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("executor", ["local", "dask"])
@sqlite_only
def test_trials_run_side_by_side_in_copies_sharing_the_cache(tracking, tmp_path,
                                                             executor: str) -> None:
    if executor == "dask":
        pytest.importorskip("distributed")  # one local cluster of 2 workers for all trials
    root = Path(tracking.root)
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    _project(root, rendezvous)
    before = {p.relative_to(root) for p in root.rglob("*") if ".mlops" not in p.parts}

    result = sweep_step(root / "pipeline.yaml", "train", {"C": {"type": "float", "low": 0.5,
                                                                "high": 5.0}},
                        n_trials=3, metric="score", sampler="random", jobs=2, seed=0,
                        executor=executor, name="side-by-side")

    assert len(result.study.trials) == 3
    trials = _children(result.run_id)
    assert len(trials) == 3 and {t.tags["mlops.trial.state"] for t in trials} == {"complete"}
    assert all("score" in t.metrics for t in trials)
    pipelines = {t.id: _children(t.id) for t in trials}
    assert all(len(p) == 1 and p[0].status.value == "FINISHED" for p in pipelines.values())
    steps = {t: {s.name: s for s in _children(p[0].id)} for t, p in pipelines.items()}
    # Upstream ran once; the other trials took it from the cache in their own copies.
    prepares = [s["prepare"] for s in steps.values()]
    (ran,) = [s for s in prepares if cache.CACHED_FROM_TAG not in s.tags]
    assert all(s.tags[cache.CACHED_FROM_TAG] == ran.id for s in prepares if s is not ran)
    # Keys are content based: the copy's prepare has the key the original folder computes.
    original = load_pipeline(root / "pipeline.yaml")
    expected = cache.key_parts(original, original.steps["prepare"], {}).key
    assert ran.tags[cache.KEY_TAG] == expected
    trains = [s["train"] for s in steps.values()]
    assert not any(cache.CACHED_FROM_TAG in s.tags for s in trains)
    for train in trains:
        parts = train.tags[cache.PARTS_TAG]
        assert ".mlops" not in parts and "slot-" not in parts
    # The runs name the original folder as their source, not the copy they ran in.
    assert {p[0].source.path for p in pipelines.values()} == {str(root / "pipeline.yaml")}
    assert {s.source.path for s in trains} == {str(root / "notebooks" / "train.ipynb")}
    # Each trial's value is what its own train step logged.
    assert all(t.metrics["score"] == steps[t.id]["train"].metrics["score"] for t in trials)
    # Two trains ran at the same time: each saw the other's marker, their spans overlap,
    # in two different copies (neither the original folder).
    first, second = sorted(trains, key=lambda s: s.metrics["started"])[:2]
    assert first.metrics["seen"] >= 2 and second.metrics["seen"] >= 2
    assert second.metrics["started"] < first.metrics["ended"]
    cwds = {Path(s.tags["cwd"]) for s in trains}
    assert len(cwds) == 2  # two slots, the third trial reused one
    assert all(c.is_relative_to(root / ".mlops" / "tmp") for c in cwds)
    assert all(".git" not in s.tags["listing"].split(",") for s in trains)
    assert all(".mlops" not in s.tags["listing"].split(",") for s in trains)
    # The copies are gone; the folder got the best trial's outputs and executed notebooks.
    assert not any(c.exists() for c in cwds)
    assert not (root / ".mlops" / "tmp").exists()
    after = {p.relative_to(root) for p in root.rglob("*") if ".mlops" not in p.parts}
    assert after - before == {Path("data/prepared.txt"), Path("model.txt"), Path("executed"),
                              Path("executed/prepare.ipynb"), Path("executed/train.ipynb")}
    assert float((root / "data" / "prepared.txt").read_text()) == 3.0
    assert float((root / "model.txt").read_text()) == result.best_params["C"]


@pytest.mark.timeout(300)
@sqlite_only
def test_a_failing_sweep_removes_its_copies_and_leaves_the_folder(tracking, tmp_path) -> None:
    root = Path(tracking.root)
    _project(root, tmp_path, train="raise RuntimeError('no model today')")
    before = {p.relative_to(root) for p in root.rglob("*") if ".mlops" not in p.parts}
    with pytest.raises(MlopsError, match="no model today"):
        sweep_step(root / "pipeline.yaml", "train", {"C": [0.5, 2.0]}, n_trials=2,
                   metric="score", sampler="grid", jobs=2)
    assert not (root / ".mlops" / "tmp").exists()
    assert {p.relative_to(root) for p in root.rglob("*") if ".mlops" not in p.parts} == before


def test_the_help_says_how_jobs_split() -> None:
    from jupyter_mlops.cli import cli

    shown = CliRunner().invoke(cli, ["sweep", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "How many trials run at once, each in its own copy of the pipeline's folder" in text
    assert "Where the trials' steps run" in text
    assert "best trial's outputs" in text
