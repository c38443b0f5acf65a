"""Sweeping a pipeline step's parameters: each trial runs the pipeline with papermill, cached.

A trial sets ``<step>.<param>`` overrides and runs the pipeline under the trial's run, so the
pipeline run and its step runs nest beneath it; steps whose cache key is unchanged (the
upstream ones after the first trial) are not run again. The trial's value is the metric the
swept step logged, else the first other step's of that name.

Trials run side by side, ``jobs`` at once, each in a working copy of the pipeline's folder
of its own (steps write their outputs into the folder they run in). A copy holds the folder
less the steps' outputs, the executed notebooks and what no step reads (``.git``, virtual
environments, the workspace's ``.mlops``); it lives in the workspace's ``.mlops/tmp/`` (so a
kernel started in it finds the same workspace) and is reused by the trials that follow in its
slot, then removed, also when the sweep fails or is interrupted. Cache keys are made of
contents and folder-relative paths only, so every copy shares the cache: the first trial runs
the swept step's upstream steps while the others wait, and the others then take them from the
cache (their outputs copied into their copy from the artifact store). When the sweep ends the
pipeline's folder gets the best trial's outputs and executed notebooks, as if that trial had
run there; a sweep that fails leaves it as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, MissingDependency, MlopsError, NotFound
from .core import Sweep, sweep

if TYPE_CHECKING:
    from ..pipeline.outcome import Event
    from ..pipeline.spec import Pipeline

log = logging.getLogger(__name__)

# Never copied into a trial's folder: version control, environments, caches, workspaces.
SKIPPED_NAMES = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules",
                           "__pycache__", ".ipynb_checkpoints", ".mypy_cache",
                           ".pytest_cache", ".ruff_cache", ".mlops"})


def load_space(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A search space from a YAML file."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise NotFound(f"No search space file {str(file)!r}: write one such as "
                       "'C: {type: float, low: 0.001, high: 10, log: true}'.")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{file}: not valid YAML ({exc}).") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{file}: a search space is a mapping of parameter to range.")
    return data


def sweep_step(
    pipeline: str | os.PathLike[str],
    step: str,
    space: Mapping[str, Any],
    n_trials: int = 20,
    direction: str = "maximize",
    metric: str = "auc",
    sampler: str = "tpe",
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    name: str | None = None,
    seed: int | None = None,
) -> Sweep:
    """Sweep ``step``'s parameters of ``pipeline`` over ``space``; see ``sweep``.

    Parameters
    ----------
    jobs:
        How many trials run at once, each in its own copy of the pipeline's folder; a trial's
        steps run one at a time, so at most ``jobs`` steps run at once.
    executor, address:
        Where the trials' steps run, as for ``run_pipeline``: ``local`` kernels here, or
        ``dask`` tasks on the cluster at ``address`` (workers need not share this disk: the
        notebooks and inputs reach them through the artifact store). Without an address one
        local cluster of ``jobs`` workers serves every trial. The trials themselves are
        threads of this process.

    Returns
    -------
    Sweep
        The sweep; the pipeline's folder then holds the best trial's outputs.
    """
    from ..pipeline.executors import EXECUTORS
    from ..pipeline.spec import load_pipeline

    spec = load_pipeline(pipeline)
    if step not in spec.steps:
        raise NotFound(f"No step {step!r} in {pipeline}. Steps: {', '.join(spec.steps)}.")
    EXECUTORS.get(executor)  # an unknown executor is one error, not a failed first trial
    if executor == "local" and address is not None:
        raise InvalidInput("The local executor takes no --address; use --executor dask.")
    copies = _Copies(spec)
    primer = _Primer(_upstream_of(spec, step))
    try:
        with _step_cluster(executor, address, jobs) as (step_address, options):
            objective = _objective(spec, step, metric, copies, primer, executor,
                                   step_address, options)
            # Trials are threads here whatever the executor: a trial only waits on its steps,
            # which run where ``executor`` puts them.
            result = sweep(objective, space, n_trials=n_trials, direction=direction,
                           metric=metric, sampler=sampler, pruner=None, jobs=jobs, name=name,
                           seed=seed)
    finally:
        copies.remove()
    _keep_best(spec, result)
    return result


def _objective(spec: Pipeline, step: str, metric: str, copies: _Copies, primer: _Primer,
               executor: str, address: str | None,
               options: dict[str, Any]) -> Callable[[dict[str, Any]], float]:
    def objective(values: dict[str, Any]) -> float:
        from ..pipeline.runner import run_pipeline
        from ..tracking.queries import get_run

        with copies.checkout() as path:
            listener = primer.enter()
            try:
                result = run_pipeline(path, params={f"{step}.{k}": v for k, v in values.items()},
                                      jobs=1, executor=executor, address=address,
                                      executor_options=options, on_event=listener,
                                      source_root=spec.root)
            finally:
                if listener is not None:
                    primer.release()
        result.raise_for_status()
        ordered = [result.outcome(step)] + [o for o in result.steps if o.step != step]
        for outcome in ordered:
            if outcome.run_id:
                metrics = get_run(outcome.run_id).metrics
                if metric in metrics:
                    return float(metrics[metric])
        raise InvalidInput(f"No step of {spec.path.name} logged the metric {metric!r}: log it "
                           f"in {step!r} with mlops.log_metric({metric!r}, value).")

    return objective


def _upstream_of(spec: Pipeline, step: str) -> set[str]:
    """The steps ``step`` needs, directly or not: the same key in every trial."""
    found: set[str] = set()
    todo = list(spec.steps[step].needs)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(spec.steps[name].needs)
    return found


class _Primer:
    """Holds later trials back until the first has run (or found cached) the upstream steps.

    Trials started together would each find the upstream steps uncached and run them; held
    back, they find them in the cache instead.
    """

    def __init__(self, upstream: set[str]) -> None:
        self._upstream = upstream
        self._lock = threading.Lock()
        self._led = False
        self._done = threading.Event()
        if not upstream:
            self._done.set()

    def enter(self) -> Callable[[Event], None] | None:
        """The first trial's pipeline listener; later trials wait here and get None."""
        with self._lock:
            lead = not self._led and not self._done.is_set()
            self._led = True
        if not lead:
            self._done.wait()
            return None
        left = set(self._upstream)

        def listen(event: Event) -> None:
            if event.kind == "done":
                left.discard(event.step)
                if not left:
                    self._done.set()

        return listen

    def release(self) -> None:
        """The first trial ended, however: nobody waits any longer."""
        self._done.set()


class _Copies:
    """Working copies of the pipeline's folder, one per trial running at once, reused."""

    def __init__(self, spec: Pipeline) -> None:
        self._spec = spec
        self._lock = threading.Lock()
        self._free: list[Path] = []
        self._made = 0
        self._scratch = _scratch_folder()
        self._base: Path | None = None

    @contextlib.contextmanager
    def checkout(self) -> Iterator[str]:
        """The pipeline file in a copy no other trial is using, for one trial."""
        with self._lock:
            if self._base is None:
                if self._scratch is not None:
                    self._scratch.mkdir(exist_ok=True)
                self._base = Path(tempfile.mkdtemp(prefix="sweep-", dir=self._scratch))
            path = self._free.pop() if self._free else None
            slot = self._made
            if path is None:
                self._made += 1
            base = self._base
        if path is None:
            # The folder keeps its name: a notebook may show it, nothing depends on it.
            root = base / f"slot-{slot}" / self._spec.root.name
            _copy_project(self._spec, root)
            path = root / self._spec.path.name
        try:
            yield str(path)
        finally:
            with self._lock:
                self._free.append(path)

    def remove(self) -> None:
        """Remove every copy (a trial still running in one, after Ctrl-C, loses its files)."""
        with self._lock:
            base, self._base, self._free = self._base, None, []
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)
        if self._scratch is not None:
            with contextlib.suppress(OSError):
                self._scratch.rmdir()  # only when no other sweep has copies there


def _scratch_folder() -> Path | None:
    """``.mlops/tmp/`` of the workspace when it is a folder here, else None (the temp folder).

    A kernel finds its workspace from its working directory upwards; from inside ``.mlops``
    that is the sweep's own, where from the temp folder it might be none, or a stranger's.
    """
    from ..config import WORKSPACE_DIR
    from ..session import current

    folder = Path(current().workspace.root) / WORKSPACE_DIR
    return folder / "tmp" if folder.is_dir() else None


def _copy_project(spec: Pipeline, dest: Path) -> None:
    """Copy the pipeline's folder to ``dest``, less outputs and what no step reads."""
    from ..pipeline.spec import is_dataset_ref

    root = spec.root
    produced = {o for s in spec.steps.values() for o in s.outputs}
    skipped = produced | {spec.executed_dir} | _workspace_paths(root)

    def ignore(folder: str, names: list[str]) -> list[str]:
        relative = Path(folder).relative_to(root)
        return [n for n in names if n in SKIPPED_NAMES or (relative / n).as_posix() in skipped]

    shutil.copytree(root, dest, symlinks=True, ignore=ignore)
    # What a step reads is copied even where a skipped name would have left it out.
    needed = {s.notebook.relative_to(root).as_posix() for s in spec.steps.values()}
    needed |= {ref for s in spec.steps.values() for ref in s.inputs
               if not is_dataset_ref(ref, root)
               and not any(ref == o or ref.startswith(o + "/") for o in produced)}
    for relative in sorted(needed):
        source, target = root / relative, dest / relative
        if target.exists() or not source.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target)


def _workspace_paths(root: Path) -> set[str]:
    """The workspace's database and artifact store, where they are local and inside ``root``."""
    from ..session import current

    workspace = current().workspace
    paths = []
    if workspace.uri.startswith("sqlite:///"):
        paths.append(workspace.uri[len("sqlite:///"):])
    artifacts = workspace.artifacts
    if artifacts.startswith("file://"):
        artifacts = artifacts[len("file://"):]
    if "://" not in artifacts:
        paths.append(artifacts)
    found = set()
    for path in paths:
        with contextlib.suppress(ValueError, OSError):
            found.add(Path(path).resolve().relative_to(root).as_posix())
    return found


@contextlib.contextmanager
def _step_cluster(executor: str, address: str | None,
                  jobs: int) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """The address and executor options every trial's steps use.

    Locally, one spare kernel per trial hides the start of its next step's kernel (the
    default two would start kernels that trials running one step never use). For Dask without
    an address, one local cluster serves every trial, instead of a cluster per trial.
    """
    if executor == "local":
        yield address, {"warm_kernels": 1}
        return
    if executor != "dask" or address:
        yield address, {}
        return
    try:
        from distributed import LocalCluster
    except ImportError as exc:
        raise MissingDependency(
            "The dask executor needs dask.distributed: pip install 'jupyter-mlops[dask]'."
        ) from exc
    cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                           host="127.0.0.1", protocol="tcp://", dashboard_address=None)
    try:
        # Its workers are on this machine: steps run in the trials' copies directly.
        yield cluster.scheduler_address, {"shares_disk": True}
    finally:
        with contextlib.suppress(Exception):
            cluster.close()


def _keep_best(spec: Pipeline, result: Sweep) -> None:
    """Put the best trial's outputs and executed notebooks into the pipeline's folder.

    They come from the artifact store, where each step run stored them (a cached step's from
    the run it reused), as a cache hit restores them.
    """
    from ..pipeline import cache
    from ..pipeline.runner import EXECUTED_PREFIX
    from ..tracking.artifacts import copy_artifact
    from ..tracking.queries import search_runs

    try:
        best = result.best_run_id
    except ValueError:  # no trial completed
        return
    if best is None:
        return
    name = spec.name.replace("'", "''")
    try:
        pipelines = search_runs(
            filter=f"parent_id = '{best}' and tags.`{cache.PIPELINE_TAG}` = '{name}'")
        if not pipelines:
            return
        for record in search_runs(filter=f"parent_id = '{pipelines[0].id}'"):
            step = spec.steps.get(record.tags.get(cache.STEP_TAG, ""))
            if step is None:
                continue
            source = cache.full_record(record.tags.get(cache.CACHED_FROM_TAG) or record.id)
            outputs = cache.recorded_outputs(source)
            state, paths = cache.output_state(spec.root, outputs)
            if state != "intact" and not cache.restore_outputs(
                    spec.root, cache.CacheHit(source, outputs), paths):
                log.warning("The outputs of step %r of the best trial are not stored; "
                            "%s keeps what it had.", step.name, spec.root)
            executed = f"{EXECUTED_PREFIX}/{step.notebook.name}"
            for artifact in source.artifacts:
                if artifact.path == executed:
                    copy_artifact(artifact,
                                  spec.root / spec.executed_dir / f"{step.name}.ipynb")
    except (MlopsError, OSError) as exc:
        # The sweep itself is done and recorded; only the convenience copy failed.
        log.warning("Could not put the best trial's outputs into %s: %s", spec.root, exc)
