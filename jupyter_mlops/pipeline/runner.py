"""Running a pipeline: each step a tracked child run, cached, in parallel where it may be.

The runner's thread schedules; executors execute. A step is ready when every step it needs
has finished or was cached; its key is computed then (it includes the digests of its upstream
steps' outputs, known only at that point), and a finished run with that key whose outputs are
intact makes it cached. Otherwise a child run is started here, its id handed to the kernel
(``JUPYTER_MLOPS_RUN_ID``) so the notebook logs into it, and the run is ended here with the
execution's outcome. A failing step fails the pipeline and skips what depends on it; steps
that do not depend on it go on. Ctrl-C kills the running kernels and marks their runs KILLED.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from ..records import RunStatus, Source
from . import cache
from .dag import graph_of, select
from .execution import StepResult, StepTask
from .executors import create
from .outcome import Event, Listener, PipelineResult, StepOutcome
from .spec import Pipeline, Step, is_dataset_ref, load_pipeline
from .upstream import UPSTREAM_ENV

if TYPE_CHECKING:
    from ..tracking.run import ActiveRun

EXECUTED_PREFIX = "executed"
INPUTS_PREFIX = "inputs"
UPSTREAM_TAG = "mlops.upstream"


def run_pipeline(
    path: str | os.PathLike[str] = "pipeline.yaml",
    params: Mapping[str, Any] | None = None,
    only: Iterable[str] | None = None,
    from_: str | None = None,
    force: bool = False,
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    junit: str | os.PathLike[str] | None = None,
    progress: bool = False,
    on_event: Listener | None = None,
    executor_options: Mapping[str, Any] | None = None,
    source_root: str | os.PathLike[str] | None = None,
) -> PipelineResult:
    """Run a pipeline's steps, skipping the cached ones.

    Parameters
    ----------
    path:
        The pipeline file.
    params:
        Overrides, as ``-p`` gives them: ``{"seed": 1, "train.C": 0.7}``.
    only, from_:
        Run just these steps, or this step and everything that depends on it.
    force:
        Run the selected steps even when cached.
    jobs:
        How many steps may run at once.
    executor, address, executor_options:
        Where steps run: ``"local"`` or ``"dask"`` (at ``address``, else a local cluster), or
        any registered executor, created with these options.
    junit:
        Write a JUnit XML report here, one test case per step.
    progress:
        Show a progress bar per step on stderr.
    on_event:
        Called with each ``Event`` (from the runner's thread, or a worker's for cell events).
    source_root:
        The folder the runs record as holding the pipeline file and notebooks (their source),
        for a working copy of that folder such as a sweep's trial runs in; default: the
        pipeline file's own.

    Returns
    -------
    PipelineResult
        Never raises for a failing step: check ``ok`` or call ``raise_for_status``.
    """
    from ..tracking.run import active_run, start_run
    from .report import ProgressBar, write_junit

    pipeline = load_pipeline(path, params)
    selected = select(pipeline, only, from_)
    listeners = [listener for listener in (on_event,) if listener is not None]
    bar = ProgressBar(pipeline.name, selected) if progress else None
    if bar is not None:
        listeners.append(bar)
    started = time.perf_counter()
    runner = _Runner(pipeline, selected, force, listeners,
                     Path(source_root).resolve() if source_root is not None else None)
    runner.check_unselected()
    pool = create(executor, jobs, address, **dict(executor_options or {}))
    run = start_run(name=pipeline.name, experiment=pipeline.experiment,
                    tags={cache.PIPELINE_TAG: pipeline.name}, nested=active_run() is not None)
    status, error = RunStatus.FAILED, None
    try:
        run.set_source(Source("pipeline", path=runner.shown(pipeline.path)))
        if pipeline.params:
            run.log_params(pipeline.params)
        run.log_artifact(pipeline.path)
        runner.run(run, pool, jobs)
        failed = [o for o in runner.outcomes.values() if o.state == "failed"]
        status = RunStatus.FAILED if failed else RunStatus.FINISHED
        error = "; ".join(f"step '{o.step}' " + (o.failure.summary() if o.failure else
                                                  o.error or "failed") for o in failed) or None
    except KeyboardInterrupt:
        status, error = RunStatus.KILLED, "KeyboardInterrupt"
        raise
    finally:
        run.end(status, error)
        pool.close()
        if bar is not None:
            bar.close()
        result = PipelineResult(pipeline.name, run.id, status,
                                [runner.outcomes[n] for n in selected if n in runner.outcomes],
                                time.perf_counter() - started)
        if junit is not None:
            write_junit(result, junit)
    return result


class _Runner:
    def __init__(self, pipeline: Pipeline, selected: list[str], force: bool,
                 listeners: list[Listener], source_root: Path | None = None) -> None:
        self.pipeline = pipeline
        self.source_root = source_root
        self.selected = selected
        self.graph = graph_of(pipeline)
        self.force = force
        self.listeners = listeners
        self.outcomes: dict[str, StepOutcome] = {}
        self.outputs: dict[str, dict[str, str]] = {}
        self.files: dict[str, dict[str, str]] = {}
        self.source_runs: dict[str, str | None] = {}

    def shown(self, path: Path) -> str:
        """``path`` as the runs record it: inside ``source_root`` when one is given."""
        if self.source_root is None:
            return str(path)
        return str(self.source_root / path.relative_to(self.pipeline.root))

    def emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def check_unselected(self) -> None:
        """Steps left out by --only/--from must have left their outputs for those selected."""
        needed = {n for s in self.selected for n in self.graph[s] if n not in self.selected}
        for name in needed:
            step = self.pipeline.steps[name]
            digests = {p: cache.digest_path(self.pipeline.root / p) for p in step.outputs}
            missing = [p for p, d in digests.items() if d is None]
            if missing:
                raise NotFound(f"Step {name!r} is not selected but its outputs are missing "
                               f"({', '.join(missing)}): run it first, or drop --only/--from.")
            self.outputs[name] = {p: d for p, d in digests.items() if d is not None}
            last = cache.last_run(self.pipeline, name)
            self.source_runs[name] = last.id if last is not None else None

    def run(self, parent: Any, pool: Any, jobs: int) -> None:
        pending = list(self.selected)
        running: dict[cf.Future[StepResult], tuple[str, Any, cache.KeyParts]] = {}
        checked: dict[str, tuple[cache.KeyParts, cache.CacheHit | None]] = {}
        try:
            while pending or running:
                for name in list(pending):
                    needs = self.graph[name]
                    blocked = [n for n in needs if n in self.outcomes
                               and not self.outcomes[n].ok]
                    if blocked:
                        pending.remove(name)
                        self._end(StepOutcome(name, "skipped",
                                              reason=f"upstream '{blocked[0]}' "
                                                     f"{self.outcomes[blocked[0]].state}"))
                        continue
                    if any(n not in self.outputs for n in needs):
                        continue
                    if name not in checked:
                        try:
                            checked[name] = self._check(name)
                        except NotFound as exc:
                            pending.remove(name)
                            self._end(StepOutcome(name, "failed", error=str(exc)))
                            continue
                    parts, hit = checked[name]
                    if hit is not None:
                        pending.remove(name)
                        self._cached(parent, name, parts, hit)
                    elif len(running) < jobs:
                        pending.remove(name)
                        future, step_run = self._submit(parent, pool, name, parts)
                        running[future] = (name, step_run, parts)
                if running:
                    done, _ = cf.wait(list(running), timeout=0.2,
                                      return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        name, step_run, parts = running.pop(future)
                        self._finish(name, step_run, future, pool)
                elif pending and not any(self._ready(n) for n in pending):
                    for name in pending:
                        self._end(StepOutcome(name, "skipped", reason="upstream not run"))
                    pending.clear()
        except KeyboardInterrupt:
            self._interrupt(running, pending, pool)
            raise

    def _ready(self, name: str) -> bool:
        return all(n in self.outputs or n in self.outcomes for n in self.graph[name])

    def _interrupt(self, running: dict[cf.Future[StepResult], tuple[str, Any, Any]],
                   pending: list[str], pool: Any) -> None:
        pool.kill([step_run.id for _, step_run, _ in running.values()])
        cf.wait(list(running), timeout=30)
        for future, (name, step_run, _) in running.items():
            step_run.end(RunStatus.KILLED, "KeyboardInterrupt")
            result = future.result() if future.done() and not future.exception() else None
            self._end(StepOutcome(name, "killed", step_run.id,
                                  result.duration if result else 0.0, reason="interrupted"))
        for name in pending:
            self._end(StepOutcome(name, "skipped", reason="interrupted"))

    def _end(self, outcome: StepOutcome) -> None:
        self.outcomes[outcome.step] = outcome
        self.emit(Event("done", outcome.step, outcome))

    def _check(self, name: str) -> tuple[cache.KeyParts, cache.CacheHit | None]:
        step = self.pipeline.steps[name]
        parts = cache.key_parts(self.pipeline, step, self.outputs)
        if self.force:
            return parts, None
        hit = cache.find_cached(parts.key)
        if hit is None or set(hit.outputs) != set(step.outputs):
            return parts, None
        state, paths = cache.output_state(self.pipeline.root, hit.outputs)
        # Outputs of another run of the step (a param flipped back, say) come back from the
        # artifact store, as a checkout would, instead of being recomputed.
        if state != "intact" and cache.restore_outputs(self.pipeline.root, hit, paths):
            state = "intact"
        return parts, hit if state == "intact" else None

    def _child(self, parent: Any, name: str, tags: dict[str, str]) -> ActiveRun:
        from ..tracking.run import start_run

        # A copy of the context keeps the pipeline run the parent of every step run, and keeps
        # step runs from becoming the active run of the runner's thread.
        context = contextvars.copy_context()
        return context.run(start_run, name=name, experiment=parent.experiment, nested=True,
                           tags={cache.PIPELINE_TAG: self.pipeline.name,
                                 cache.STEP_TAG: name, **tags})

    def _cached(self, parent: Any, name: str, parts: cache.KeyParts,
                hit: cache.CacheHit) -> None:
        record = self._child(parent, name, {cache.CACHED_FROM_TAG: hit.run.id})
        # The record stands for the outputs it reuses: their run's params and metrics, so a
        # cached step is never shown as an empty run (the tag links it to that run).
        if hit.run.params:
            record.log_params(hit.run.params)
        if hit.run.metrics:
            record.log_metrics(hit.run.metrics)
        record.end(RunStatus.FINISHED)
        self.outputs[name] = dict(hit.outputs)
        self.source_runs[name] = hit.run.id
        self._end(StepOutcome(name, "cached", record.id, reason=f"same key as run {hit.run.id}"))

    def _upstream(self, step: Step) -> dict[str, Any]:
        return {need: {"run_id": self.source_runs.get(need), "outputs": self.outputs[need],
                       "params": self.pipeline.steps[need].params} for need in step.needs}

    def _submit(self, parent: Any, pool: Any, name: str,
                parts: cache.KeyParts) -> tuple[cf.Future[StepResult], Any]:
        from ..session import current
        from ..tracking.run import ATTACH_ENV

        step = self.pipeline.steps[name]
        root = self.pipeline.root
        last = cache.last_run(self.pipeline, name)
        before = cache.KeyParts.from_json(last.tags.get(cache.PARTS_TAG, "")) if last else None
        reason = "; ".join(cache.explain(before, parts)) if last else "never run"
        step_run = self._child(parent, name, {cache.KEY_TAG: parts.key,
                                              cache.PARTS_TAG: parts.to_json()})
        upstream = json.dumps(self._upstream(step), default=str)
        step_run.set_source(Source("pipeline", path=self.shown(step.notebook)))
        step_run.set_tags({"mlops.pipeline.run": parent.id, UPSTREAM_TAG: upstream})
        if step.params:
            step_run.log_params(step.params)
        for ref, digest in parts.inputs.items():
            if is_dataset_ref(ref, root):
                # The version itself ("customers@3"), as the data layer records its inputs.
                step_run.log_input("dataset", cache.dataset_version(ref))
            else:
                step_run.log_input(cache.kind_of(root / ref), f"{ref}@{digest}")
        for need in step.needs:
            for path, digest in self.outputs[need].items():
                step_run.log_input(cache.kind_of(root / path), f"{path}@{digest}")
        workspace = current().store.workspace
        env = {ATTACH_ENV: step_run.id, "JUPYTER_MLOPS_URI": workspace.uri,
               "JUPYTER_MLOPS_ARTIFACTS": workspace.artifacts,
               "JUPYTER_MLOPS_NOTEBOOK": str(step.notebook),
               UPSTREAM_ENV: upstream}
        task = StepTask(step=name, notebook=str(step.notebook), parameters=dict(step.params),
                        env=env, token=step_run.id, kernel_name=step.kernel,
                        timeout=step.timeout, outputs=step.outputs,
                        on_cell=lambda cell, cells: self.emit(
                            Event("cell", name, cell=cell, cells=cells)))
        inputs = self._store_inputs(step, step_run)
        if pool.shares_disk:
            task.cwd = str(root)
            task.output_path = str(root / self.pipeline.executed_dir / f"{name}.ipynb")
        else:
            task.notebook_text = step.notebook.read_text(encoding="utf-8")
            task.artifacts_url = workspace.artifacts
            task.fetch = inputs
            for need in step.needs:
                task.fetch.update(self.files.get(need) or self._stored_files(need))
        self.emit(Event("start", name, reason=reason))
        return pool.submit(task), step_run

    def _store_inputs(self, step: Step, step_run: Any) -> dict[str, str]:
        """Store the inputs no step produces as artifacts of the step run.

        They are then the data version the run used, for ``reproduce``, and reach executors
        that do not share this disk. Returns ``{file path: digest}``.
        """
        root = self.pipeline.root
        produced = [o for other in self.pipeline.steps.values() for o in other.outputs]
        stored: list[str] = []
        for ref in step.inputs:
            path = root / ref
            if not path.exists() or any(ref == o or ref.startswith(o + "/") for o in produced):
                continue  # a dataset version, or an upstream output stored by its own step
            parent = Path(ref).parent.as_posix()
            prefix = INPUTS_PREFIX if parent == "." else f"{INPUTS_PREFIX}/{parent}"
            stored += step_run.log_artifact(path, prefix)
        if not stored:
            return {}
        digests = {a.path: a.digest for a in step_run.info().artifacts}
        return {name[len(INPUTS_PREFIX) + 1:]: digests[name] for name in stored}

    def _stored_files(self, step: str) -> dict[str, str]:
        from ..tracking.artifacts import list_artifacts

        run_id = self.source_runs.get(step)
        if run_id is None:
            return {}
        prefix = cache.OUTPUTS_PREFIX + "/"
        return {a.path[len(prefix):]: a.digest for a in list_artifacts(run_id)
                if a.path.startswith(prefix)}

    def _finish(self, name: str, step_run: Any, future: cf.Future[StepResult],
                pool: Any) -> None:
        step = self.pipeline.steps[name]
        root = self.pipeline.root
        try:
            result = future.result()
        except BaseException as exc:  # the executor lost the task (a dead worker, a cancel)
            result = StepResult(name, error=f"{type(exc).__name__}: {exc}")
        executed = None
        if result.notebook is not None:
            step_run.log_bytes(result.notebook.encode("utf-8"),
                               f"{EXECUTED_PREFIX}/{step.notebook.name}")
            executed = root / self.pipeline.executed_dir / f"{name}.ipynb"
            if not pool.shares_disk:
                executed.parent.mkdir(parents=True, exist_ok=True)
                executed.write_text(result.notebook, encoding="utf-8")
        outcome = StepOutcome(name, "ran", step_run.id, result.duration, notebook=executed)
        if result.killed:
            step_run.end(RunStatus.KILLED, "killed")
            outcome.state, outcome.reason = "killed", "interrupted"
        elif result.failure is not None or result.error is not None:
            outcome.state, outcome.failure, outcome.error = "failed", result.failure, result.error
            step_run.end(RunStatus.FAILED, result.failure.render(name) if result.failure
                         else result.error)
        elif result.missing_outputs:
            outcome.state = "failed"
            outcome.error = (f"step {name!r} did not write its declared outputs: "
                             f"{', '.join(result.missing_outputs)}")
            step_run.end(RunStatus.FAILED, outcome.error)
        else:
            self._record_outputs(name, step_run, result)
            step_run.end(RunStatus.FINISHED)
            self.source_runs[name] = step_run.id
        self._end(outcome)

    def _record_outputs(self, name: str, step_run: Any, result: StepResult) -> None:
        from ..session import current

        root = self.pipeline.root
        if result.outputs:
            # Run elsewhere: bring the outputs onto this disk for the steps that follow.
            blobs = current().store.artifacts
            for files in result.outputs.values():
                for relative, digest, _ in files:
                    target = root / relative
                    if cache.digest_path(target) != digest:
                        blobs.get_file(digest, target)
        files: dict[str, str] = {}
        digests: dict[str, str] = {}
        for declared in self.pipeline.steps[name].outputs:
            path = root / declared
            parent = Path(declared).parent.as_posix()
            prefix = cache.OUTPUTS_PREFIX if parent == "." else f"{cache.OUTPUTS_PREFIX}/{parent}"
            step_run.log_artifact(path, prefix)
            digest = cache.digest_path(path)
            if digest is None:
                continue
            digests[declared] = digest
            step_run.log_output(cache.kind_of(path), f"{declared}@{digest}")
        for artifact in step_run.info().artifacts:
            if artifact.path.startswith(cache.OUTPUTS_PREFIX + "/"):
                files[artifact.path[len(cache.OUTPUTS_PREFIX) + 1:]] = artifact.digest
        self.outputs[name] = digests
        self.files[name] = files
