"""One step's execution, as an executor runs it: parameterise, execute, collect.

``execute_step`` takes a picklable ``StepTask`` and returns a picklable ``StepResult``, so the
same function runs in a thread, a process or on a Dask worker. A task that does not share a
disk with the runner (``cwd`` None) runs in a scratch folder: its inputs are copied there from
the artifact store by digest, and its outputs go back into the artifact store, so only the
store's URL has to be reachable from where it runs.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .failure import CellFailure, failure, strip_ansi

__all__ = ["ENGINE_NAME", "CellFailure", "StepResult", "StepTask", "execute_step", "failure",
           "kernel_log_path"]

# The papermill engine that tracks each step: papermill finds it under this name through the
# ``papermill.engine`` entry point (pyproject.toml, pipeline/papermill_entry.py).
ENGINE_NAME = "mlops"

_log = logging.getLogger(__name__)


@dataclass
class StepTask:
    """Everything needed to execute one step, wherever it runs."""

    step: str
    notebook: str
    parameters: dict[str, Any]
    env: dict[str, str]
    token: str
    kernel_name: str | None = None
    cwd: str | None = None
    output_path: str | None = None
    timeout: float | None = None
    outputs: tuple[str, ...] = ()
    notebook_text: str | None = None
    fetch: dict[str, str] = field(default_factory=dict)
    artifacts_url: str | None = None
    on_cell: Callable[[int, int], None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # A progress callback lives in the runner's process only.
        return {**self.__dict__, "on_cell": None}


@dataclass
class StepResult:
    """What an execution gave back: the executed notebook, and how it ended."""

    step: str
    notebook: str | None = None
    failure: CellFailure | None = None
    error: str | None = None
    killed: bool = False
    duration: float = 0.0
    outputs: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    missing_outputs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.failure is None and self.error is None and not self.killed
                and not self.missing_outputs)


def execute_step(task: StepTask) -> StepResult:
    """Execute one step's notebook with its params in a fresh kernel.

    Parameters
    ----------
    task:
        The step, its notebook, params, kernel environment, and where it runs.

    Returns
    -------
    StepResult
        Never raises for a failing notebook: the failing cell is in ``failure``.
    """
    from . import papermill_engine

    started = time.perf_counter()
    scratch = None
    workdir = task.cwd
    if workdir is None:
        scratch = tempfile.mkdtemp(prefix=f"mlops-step-{task.step}-")
        workdir = scratch
    result = StepResult(task.step)
    try:
        notebook = Path(task.notebook)
        if scratch is not None:
            _materialise(task, Path(scratch))
            notebook = Path(scratch) / ".mlops-step" / Path(task.notebook).name
            notebook.parent.mkdir(parents=True, exist_ok=True)
            notebook.write_text(task.notebook_text or "", encoding="utf-8")
        output = Path(task.output_path) if task.output_path else \
            Path(workdir) / ".mlops-step" / f"{task.step}.executed.ipynb"
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            result.failure = _run_with_fresh_kernel_once(task, notebook, output, workdir)
        except BaseException as exc:
            if papermill_engine.was_killed(task.token) or isinstance(exc, KeyboardInterrupt):
                result.killed = True
                result.error = "killed"
                return result
            if isinstance(exc, Exception):
                # A kernel that dies while starting explains itself only in its own log, which
                # a scratch folder takes with it: the tail goes into the step's error.
                result.error = f"{type(exc).__name__}: {exc}" + _log_tail(kernel_log_path(output))
                return result
            raise
        result.notebook = output.read_text(encoding="utf-8") if output.is_file() else None
        if result.failure is None:
            result.missing_outputs = [p for p in task.outputs if not (Path(workdir) / p).exists()]
            if scratch is not None and not result.missing_outputs:
                result.outputs = _upload(task, Path(scratch))
        if papermill_engine.was_killed(task.token):
            result.killed = True
        return result
    finally:
        papermill_engine.forget(task.token)
        result.duration = time.perf_counter() - started
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _run_with_fresh_kernel_once(task: StepTask, notebook: Path, output: Path,
                                workdir: str) -> CellFailure | None:
    """``_run``, once more with a fresh kernel when the first never answered after starting.

    A kernel that never answers ran none of the step's code, so a second one cannot repeat a
    side effect; on a loaded machine (CI) a kernel start can hang where the next succeeds.
    A kernel that died, or a cell that failed, is not retried.
    """
    from ..config import setting

    # nbclient's startup_timeout is a whole number of seconds.
    timeout = max(1, math.ceil(float(setting("kernel_start_timeout"))))
    try:
        return _run(task, notebook, output, workdir, timeout)
    except RuntimeError as exc:
        # jupyter_client's wait_for_ready: "Kernel didn't respond in N seconds".
        if not str(exc).startswith("Kernel didn't respond"):
            raise
        from . import papermill_engine

        if papermill_engine.was_killed(task.token):
            raise
        _log.warning("Step %r: its kernel did not answer within %d s of starting; starting a "
                     "fresh one (JUPYTER_MLOPS_KERNEL_START_TIMEOUT sets the wait).",
                     task.step, timeout)
    try:
        return _run(task, notebook, output, workdir, timeout)
    except RuntimeError as exc:
        if not str(exc).startswith("Kernel didn't respond"):
            raise
        raise RuntimeError(f"{exc}, twice: check that the step's kernel starts (jupyter "
                           "console --kernel NAME), or give it longer with "
                           "JUPYTER_MLOPS_KERNEL_START_TIMEOUT.") from None


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    tail = [line for line in strip_ansi(text).strip().splitlines() if line.strip()][-lines:]
    if not tail:
        return ""
    return f"\nThe kernel's own output (last lines of {path.name}):\n" + "\n".join(tail)


def kernel_log_path(output: Path) -> Path:
    """Where a step's kernel process writes its own stdout and stderr: beside its notebook."""
    return output.with_name(f"{output.stem}.kernel.log")


def _run(task: StepTask, notebook: Path, output: Path, workdir: str,
         start_timeout: int = 60) -> CellFailure | None:
    """papermill's execute_notebook without its process-wide ``chdir``, and without raising.

    Writes the executed notebook to ``output``; returns the failing cell, if any.
    """
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import (
        prepare_notebook_metadata,
        raise_for_execution_errors,
        remove_error_markers,
    )
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook


    nb = load_notebook_node(str(notebook))
    if task.parameters:
        nb = parameterize_notebook(nb, task.parameters, kernel_name=task.kernel_name,
                                   engine_name=ENGINE_NAME)
    nb = remove_error_markers(prepare_notebook_metadata(nb, str(notebook), str(output)))
    kernel = papermill_engines.nb_kernel_name(engine_name=ENGINE_NAME, nb=nb,
                                              name=task.kernel_name)
    nb = papermill_engines.execute_notebook_with_engine(
        ENGINE_NAME, nb, kernel_name=kernel, input_path=str(notebook),
        output_path=str(output), progress_bar=False, mlops_track=False,
        kernel_env=task.env, kernel_cwd=workdir, token=task.token,
        execution_timeout=task.timeout, on_cell=task.on_cell, start_timeout=start_timeout,
        kernel_log=str(kernel_log_path(output)),
    )
    failed = failure(nb)
    try:
        # Writes the notebook with papermill's banner pointing at the failing cell.
        raise_for_execution_errors(nb, str(output))
    except PapermillExecutionError:
        pass
    else:
        from papermill.iorw import write_ipynb

        write_ipynb(nb, str(output))
    return failed


def _materialise(task: StepTask, scratch: Path) -> None:
    from ..store.artifacts import ArtifactStore

    if not task.fetch:
        return
    if task.artifacts_url is None:
        raise ValueError("A task run away from the runner's disk needs the artifact store URL.")
    store = ArtifactStore(task.artifacts_url)
    for relative, digest in task.fetch.items():
        store.get_file(digest, scratch / relative)


def _upload(task: StepTask, scratch: Path) -> dict[str, list[tuple[str, str, int]]]:
    from ..store.artifacts import ArtifactStore

    if task.artifacts_url is None:
        raise ValueError("A task run away from the runner's disk needs the artifact store URL.")
    store = ArtifactStore(task.artifacts_url)
    stored: dict[str, list[tuple[str, str, int]]] = {}
    for declared in task.outputs:
        path = scratch / declared
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        stored[declared] = []
        for file in files:
            digest, size = store.put_file(file)
            stored[declared].append((file.relative_to(scratch).as_posix(), digest, size))
    return stored
