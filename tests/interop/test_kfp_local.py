"""A compiled pipeline run by kfp.local, its steps tracked in our workspace, then cached.

kfp.local's SubprocessRunner runs only kfp's lightweight Python components: it refuses any
container component, because it cannot honour the component's image. Our steps are container
components (the image holds our step runner, so a cluster installs nothing at start). Here the
"image" is this machine's environment, so the peer lifts exactly that one refusal
(``validate_not_container_component``); the rest is kfp.local's own: the DAG order, the
placeholders resolved, artifacts handed from task to task, and its cache keyed by our key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from jupyter_mlops.interop.kfp import compile_kfp
from jupyter_mlops.tracking.queries import search_runs

from .kfp_helpers import make_project, run_peer

sqlite_only = pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)

RUN_LOCALLY = """
import sys
from kfp import local
from kfp.components import load_component_from_file
from kfp.local import subprocess_task_handler

subprocess_task_handler.SubprocessTaskHandler.validate_not_container_component = (
    lambda self, full_command: None)
spec, root, cache, caching = sys.argv[1:5]
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root,
           enable_caching=caching == "on", cache_root=cache, raise_on_error=True)
load_component_from_file(spec)()
"""


def _step_runs() -> list:
    return search_runs(filter="tags.`mlops.pipeline.step` is not null",
                       order_by=["start_time ASC"])


@sqlite_only
def test_kfp_local_runs_the_steps_tracked_here_and_both_caches_agree(tracking, tmp_path):
    project = make_project(Path(tracking.root)).parent
    compiled = compile_kfp(project / "pipeline.yaml", project / "pipeline.kfp.yaml",
                           image="python:3.11-with-jupyter-mlops", workdir=str(project),
                           allow_local=True)
    # The tasks' `python` is this environment's (it has jupyter-mlops and the kernel).
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    argv = [str(project / "pipeline.kfp.yaml"), str(tmp_path / "kfp-root"),
            str(tmp_path / "kfp-cache")]

    first = run_peer(RUN_LOCALLY, *argv, "on", env=env, cwd=tmp_path)
    runs = _step_runs()
    assert sorted(r.tags["mlops.pipeline.step"] for r in runs) == ["evaluate", "prepare", "train"]
    assert all(r.status == "FINISHED" and "mlops.cached_from" not in r.tags for r in runs)
    by_step = {r.tags["mlops.pipeline.step"]: r for r in runs}
    assert by_step["prepare"].tags["mlops.cache_key"] == compiled.cache_keys["prepare"]
    assert by_step["train"].params["C"] == "0.5"  # params are recorded as text
    # the executed notebooks are artifacts of their runs, as with `pipeline run`
    assert "step train: ran" in first.stdout
    assert (tmp_path / "kfp-root").is_dir()

    # KFP's own cache, keyed by our key: no task runs, nothing new in the store.
    again = run_peer(RUN_LOCALLY, *argv, "on", env=env, cwd=tmp_path)
    assert "finished with status" in again.stdout
    assert "Executing task" not in again.stdout and "step train:" not in again.stdout
    assert len(_step_runs()) == 3

    # Without KFP's cache the tasks run our step runner, which hits our cache.
    ours = run_peer(RUN_LOCALLY, *argv, "off", env=env, cwd=tmp_path)
    assert ours.stdout.count(": cached (run ") == 3
    cached = [r for r in _step_runs() if "mlops.cached_from" in r.tags]
    assert {r.tags["mlops.pipeline.step"]: r.tags["mlops.cached_from"] for r in cached} == {
        step: run.id for step, run in by_step.items()}
