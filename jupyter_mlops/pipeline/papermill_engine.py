"""The ``mlops`` papermill engine: notebook executions tracked as runs.

``papermill --engine mlops in.ipynb out.ipynb -p C 0.5`` starts a run, records the injected
params, lets the kernel log into that run (it gets the run's id through
``JUPYTER_MLOPS_RUN_ID``), stores the executed notebook as an artifact and ends the run
FINISHED, FAILED or KILLED. papermill finds it through the ``papermill.engine`` entry point
only (``pipeline/papermill_entry.py``), however the two are first imported.

The pipeline runner uses the same engine untracked (it tracks steps itself) for what plain
papermill cannot do: a kernel environment and working directory per execution (papermill's own
``cwd`` changes the process's, which threads running steps side by side cannot share), a
callback per executed cell, and killing a running kernel from another thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager
from papermill.utils import merge_kwargs, remove_args

from ..records import RunStatus, Source
from . import kernel_pool
from .failure import failure
from .kernel_pool import KernelPool, WarmKernel

if TYPE_CHECKING:
    from jupyter_client import KernelClient, KernelManager
    from nbformat import NotebookNode

EXECUTED_PREFIX = "executed"

_kernels: dict[str, Any] = {}
_killed: set[str] = set()
_lock = threading.Lock()


class _Client(PapermillNotebookClient):
    """papermill's client, remembering its kernel manager so ``kill`` can reach the kernel.

    Given a pooled kernel (``warm``), it executes there instead of starting one, after one
    silent execution (``setup``) that gives the kernel the step's environment variables.
    """

    def __init__(self, nb_man: Any, token: str | None = None, warm: WarmKernel | None = None,
                 setup: str | None = None, pool: KernelPool | None = None,
                 warm_as: tuple[str, str, str | None] | None = None, **kwargs: Any) -> None:
        super().__init__(nb_man, **kwargs)
        self._token = token
        self._warm = warm
        self._setup = setup
        self._pool = pool
        self._warm_as = warm_as

    def create_kernel_manager(self) -> KernelManager:
        if self._token is not None and was_killed(self._token):
            if self._warm is not None:
                self._warm.shutdown()
            raise RuntimeError("Execution was killed before its kernel started.")
        if self._warm is not None:
            self.km = manager = self._warm.manager
        else:
            manager = super().create_kernel_manager()
        if self._token is not None:
            with _lock:
                _kernels[self._token] = manager
        return manager

    def start_new_kernel_client(self) -> KernelClient:
        client = super().start_new_kernel_client()
        if self._token is not None and was_killed(self._token):
            kill(self._token)
        if self._setup is not None:
            reply = self.wait_for_reply(self.kc.execute(self._setup, silent=True,
                                                        store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                self._cleanup_kernel()
                raise RuntimeError("The pooled kernel could not take the step's environment.")
        if self._pool is not None and self._warm_as is not None:
            # This step's kernel is up: start the next steps' now, while this one runs.
            self._pool.warm(*self._warm_as)
        return client

    def start_new_kernel(self, **kwargs: Any) -> None:
        super().start_new_kernel(**kwargs)
        # A kill that came while the kernel was starting found no process to stop.
        if self._token is not None and was_killed(self._token):
            kill(self._token)


class _Manager(NotebookExecutionManager):
    """papermill's execution manager, also reporting each finished cell to a callback."""

    def __init__(self, nb: Any, on_cell: Callable[[int, int], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(nb, **kwargs)
        self._on_cell = on_cell

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        super().cell_complete(cell, cell_index=cell_index, **kwargs)
        if self._on_cell is not None and cell_index is not None:
            # A progress display must never break an execution.
            with contextlib.suppress(Exception):
                self._on_cell(cell_index + 1, len(self.nb.cells))


def kill(token: str) -> bool:
    """Kill the kernel of the execution started with ``token``; True if one was running.

    The execution then ends with a dead-kernel error, which ``was_killed`` tells apart.
    """
    with _lock:
        _killed.add(token)
        manager = _kernels.get(token)
    if manager is None:
        return False
    provisioner = getattr(manager, "provisioner", None)
    pid = getattr(provisioner, "pid", None) if provisioner is not None else None
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
    return True


def was_killed(token: str) -> bool:
    with _lock:
        return token in _killed


def forget(token: str) -> None:
    with _lock:
        _kernels.pop(token, None)
        _killed.discard(token)


class MlopsEngine(NBClientEngine):
    """Executes like papermill's default engine, tracking the execution as a run."""

    @classmethod
    def execute_notebook(
        cls,
        nb: Any,
        kernel_name: str,
        output_path: str | None = None,
        progress_bar: bool = True,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        mlops_track: bool = True,
        on_cell: Callable[[int, int], None] | None = None,
        **kwargs: Any,
    ) -> NotebookNode:
        if mlops_track:
            return _tracked(cls, nb, kernel_name, output_path, progress_bar, log_output,
                            autosave_cell_every, on_cell, **kwargs)
        manager = _Manager(nb, on_cell=on_cell, output_path=output_path,
                           progress_bar=progress_bar, log_output=log_output,
                           autosave_cell_every=autosave_cell_every)
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
        finally:
            manager.cleanup_pbar()
            manager.notebook_complete()
        return manager.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: float | None = None,
        kernel_env: Mapping[str, str] | None = None,
        kernel_cwd: str | None = None,
        token: str | None = None,
        kernel_log: str | None = None,
        **kwargs: Any,
    ) -> NotebookNode:
        kwargs = remove_args(["input_path"], **kwargs)
        safe = remove_args(["timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            safe,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        pool = kernel_pool.active()
        if pool is not None and kernel_cwd is not None:
            key = (kernel_name, kernel_cwd)
            log_dir = str(Path(kernel_log).parent) if kernel_log is not None else None
            final["pool"], final["warm_as"] = pool, (*key, log_dir)
            warm = pool.take(*key)
            if warm is not None:
                # Started with this process's environment and ``kernel_cwd`` already.
                warm.adopt_log(kernel_log)
                final["setup"] = kernel_pool.setup_code(dict(kernel_env or {}))
                return _Client(nb_man, token=token, warm=warm, **final).execute()
        start: dict[str, Any] = {}
        if kernel_env is not None:
            # The kernel manager replaces the environment rather than extending it.
            start["env"] = {**os.environ, **kernel_env}
        if kernel_cwd is not None:
            start["cwd"] = kernel_cwd
        if kernel_log is None:
            return _Client(nb_man, token=token, **final).execute(**start)
        # The kernel process's own output (ipykernel's start-up warnings, its log) goes to a
        # file beside the executed notebook instead of interleaving with the progress display.
        with open(kernel_log, "wb") as log:
            start["stdout"] = start["stderr"] = log
            return _Client(nb_man, token=token, **final).execute(**start)


def _tracked(engine: type[MlopsEngine], nb: Any, kernel_name: str, output_path: str | None,
             progress_bar: bool, log_output: bool, autosave_cell_every: int,
             on_cell: Callable[[int, int], None] | None, **kwargs: Any) -> NotebookNode:
    import nbformat

    from ..session import current
    from ..tracking.run import ATTACH_ENV, start_run

    input_path = kwargs.get("input_path") or "notebook.ipynb"
    stem = Path(str(input_path)).stem or "notebook"
    experiment = os.environ.get("JUPYTER_MLOPS_EXPERIMENT") or stem
    params = dict(nb.metadata.get("papermill", {}).get("parameters", {}) or {})
    run = start_run(name=stem, experiment=experiment, tags={"mlops.papermill": "true"})
    run.set_source(Source("papermill", path=str(input_path)))
    status, error = RunStatus.FAILED, None
    try:
        if params:
            run.log_params(params)
        else:
            run.set_tags({"mlops.papermill.input": str(input_path)})
        workspace = current().store.workspace
        env = {**dict(kwargs.pop("kernel_env", None) or {}), ATTACH_ENV: run.id,
               "JUPYTER_MLOPS_URI": workspace.uri, "JUPYTER_MLOPS_ARTIFACTS": workspace.artifacts}
        executed = engine.execute_notebook(
            nb, kernel_name, output_path=output_path, progress_bar=progress_bar,
            log_output=log_output, autosave_cell_every=autosave_cell_every, mlops_track=False,
            on_cell=on_cell, kernel_env=env, **kwargs)
        failed = failure(executed)
        if failed is None:
            status = RunStatus.FINISHED
        else:
            error = failed.summary()
        run.log_bytes(nbformat.writes(executed).encode("utf-8"),
                      f"{EXECUTED_PREFIX}/{stem}.ipynb")
        return executed
    except KeyboardInterrupt:
        status, error = RunStatus.KILLED, "KeyboardInterrupt"
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        run.end(status, error)
