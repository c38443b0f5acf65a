"""A pipeline as the lab draws it: its steps and edges, and each step's state in the last run.

Paths are relative to the Jupyter server's root folder (as the file browser names them) and
must stay inside it; the states come from the runs the runner recorded (the pipeline run and
its step runs), so they are the same whether the run was started from the CLI or the lab.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import InvalidInput, NotFound

PIPELINE_SUFFIXES = (".yaml", ".yml")
MAX_PATH = 1024
# Finding pipeline files never walks the whole disk: this deep, this many, skipping these.
MAX_DEPTH = 4
MAX_FOUND = 200
SKIP_DIRS = {".mlops", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "__pycache__"}
_STATES = {"RUNNING": "running", "FINISHED": "ran", "FAILED": "failed", "KILLED": "killed"}


def resolve_pipeline(root: str | os.PathLike[str], path: str) -> Path:
    """The pipeline file ``path`` names under ``root``, or a one-line ``InvalidInput``.

    Parameters
    ----------
    root:
        The server's root folder.
    path:
        A path relative to it, with ``/`` separators, ending in ``.yaml`` or ``.yml``.

    Returns
    -------
    pathlib.Path
        The absolute path of an existing file inside ``root``.
    """
    if not isinstance(path, str) or not path.strip() or len(path) > MAX_PATH or "\0" in path:
        raise InvalidInput("path must name a pipeline file relative to the server's root, "
                           "like pipeline.yaml or examples/pipeline.yaml.")
    posix = PurePosixPath(path.strip())
    if posix.is_absolute() or ".." in posix.parts or "\\" in path:
        raise InvalidInput(f"path {path!r} must be relative to the server's root and stay "
                           "inside it (no leading / and no ..).")
    if posix.suffix.lower() not in PIPELINE_SUFFIXES:
        raise InvalidInput(f"path {path!r} is not a pipeline file: give a .yaml file such as "
                           "pipeline.yaml.")
    base = Path(root).resolve()
    target = (base / Path(*posix.parts)).resolve()
    if not target.is_relative_to(base):  # a symlink out of the root
        raise InvalidInput(f"path {path!r} leads outside the server's root.")
    if not target.is_file():
        raise NotFound(f"No pipeline file {path!r} under the server's root.")
    return target


def relative(root: str | os.PathLike[str], path: Path) -> str | None:
    """``path`` relative to ``root`` with ``/`` separators, or None when it is outside."""
    base = Path(root).resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(base):
        return None
    return resolved.relative_to(base).as_posix()


def find_pipelines(root: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Pipeline files under ``root``: ``pipeline.yaml`` / ``*.pipeline.yaml`` a few levels deep.

    Returns
    -------
    list of dict
        ``{"path"}`` per file, sorted by path; at most ``MAX_FOUND``.
    """
    base = Path(root).resolve()
    found: list[str] = []
    for folder, dirs, files in os.walk(base):
        depth = len(Path(folder).relative_to(base).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if depth >= MAX_DEPTH:
            dirs[:] = []
        for name in sorted(files):
            if name in ("pipeline.yaml", "pipeline.yml") or name.endswith(
                    (".pipeline.yaml", ".pipeline.yml")):
                found.append((Path(folder) / name).relative_to(base).as_posix())
        if len(found) >= MAX_FOUND:
            break
    return [{"path": p} for p in sorted(found)[:MAX_FOUND]]


def _quote(text: str) -> str:
    return text.replace("'", "''")


def last_run(pipeline: Any, root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The newest run of ``pipeline`` and each step's state in it, None if it never ran.

    A step is ``ran``, ``cached``, ``failed``, ``killed`` or ``running`` by its step run;
    one without a step run is ``pending`` while the pipeline runs and ``skipped`` after.
    """
    from ..tracking.queries import search_runs
    from .cache import CACHED_FROM_TAG, PIPELINE_TAG, STEP_TAG

    found = search_runs(filter=f"tags.`{PIPELINE_TAG}` = '{_quote(pipeline.name)}' "
                               f"and tags.`{STEP_TAG}` is null",
                        order_by=["start_time DESC"], max_results=1)
    if not found:
        return None
    run = found[0]
    children = search_runs(filter=f"parent_id = '{run.id}'", order_by=["start_time"])
    by_step = {child.tags.get(STEP_TAG): child for child in children}
    steps: dict[str, dict[str, Any]] = {}
    for name in pipeline.steps:
        child = by_step.get(name)
        executed = pipeline.root / pipeline.executed_dir / f"{name}.ipynb"
        if child is None:
            state = "pending" if run.status.value == "RUNNING" else "skipped"
            steps[name] = {"state": state, "run_id": None, "cached_from": None,
                           "notebook": None, "error": None, "duration": None}
            continue
        cached_from = child.tags.get(CACHED_FROM_TAG)
        state = "cached" if cached_from else _STATES.get(child.status.value, "ran")
        shown = relative(root, executed) if executed.is_file() and not cached_from else None
        steps[name] = {"state": state, "run_id": child.id, "cached_from": cached_from,
                       "notebook": shown, "error": child.error, "duration": child.duration}
    return {"run_id": run.id, "status": run.status.value, "start_time": run.start_time,
            "end_time": run.end_time, "error": run.error, "steps": steps}


def pipeline_graph(root: str | os.PathLike[str], path: str) -> dict[str, Any]:
    """A pipeline's DAG with each step's state in its last run.

    Parameters
    ----------
    root:
        The server's root folder.
    path:
        The pipeline file, relative to ``root``.

    Returns
    -------
    dict
        ``{"path", "name", "experiment", "params", "steps": [{"name", "notebook", "needs",
        "inputs", "outputs", "params"}], "edges": [{"source", "target"}], "last_run"}``;
        ``needs`` includes the dependencies inferred from inputs and outputs.
    """
    from .dag import graph_of
    from .spec import load_pipeline

    file = resolve_pipeline(root, path)
    pipeline = load_pipeline(file)
    graph = graph_of(pipeline)
    steps = [{"name": name, "notebook": relative(root, step.notebook),
              "needs": list(graph[name]), "inputs": list(step.inputs),
              "outputs": list(step.outputs), "params": step.params}
             for name, step in pipeline.steps.items()]
    edges = [{"source": need, "target": name} for name in pipeline.steps for need in graph[name]]
    return {"path": relative(root, file), "name": pipeline.name,
            "experiment": pipeline.experiment, "params": pipeline.params, "steps": steps,
            "edges": edges, "last_run": last_run(pipeline, root)}
