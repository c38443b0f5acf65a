"""The ``local`` executor: steps on this machine, in threads or in a process pool.

A built-in plugin file: ``executors/__init__.py`` registers ``LocalExecutor`` under ``local``
exactly as a third party's package would register its own factory.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterable

from ...errors import InvalidInput
from ..execution import StepResult, StepTask, execute_step
from ..kernel_pool import AHEAD, KernelPool, using


class LocalExecutor:
    """Steps on this machine: a thread per running step (kernels are processes anyway), or a
    process pool with ``pool="process"`` for isolation of the papermill client itself.

    In threads, each step's kernel comes from a ``KernelPool``: ``warm_kernels`` fresh kernels
    are started while the current steps run, so the next steps skip the kernel's start-up.
    Every kernel still serves one step only; ``warm_kernels=0`` starts each at its step.
    """

    name = "local"
    shares_disk = True

    def __init__(self, jobs: int = 1, address: str | None = None, pool: str = "thread",
                 warm_kernels: int | None = None) -> None:
        if address is not None:
            raise InvalidInput("The local executor takes no --address; use --executor dask.")
        if pool not in ("thread", "process"):
            raise InvalidInput(f"pool must be 'thread' or 'process', not {pool!r}.")
        if warm_kernels is not None and (not isinstance(warm_kernels, int)
                                         or isinstance(warm_kernels, bool) or warm_kernels < 0):
            raise InvalidInput(f"warm_kernels must be a whole number >= 0, not {warm_kernels!r}.")
        self.pool = pool
        self._before: set[int] = set()
        ahead = AHEAD if warm_kernels is None else warm_kernels
        self._kernels = KernelPool(ahead) if pool == "thread" and ahead else None
        if pool == "process":
            self._before = {p.pid for p in multiprocessing.active_children() if p.pid}
            context = multiprocessing.get_context("spawn")
            self._executor: cf.Executor = cf.ProcessPoolExecutor(jobs, mp_context=context)
        else:
            self._executor = cf.ThreadPoolExecutor(jobs, thread_name_prefix="mlops-step")

    def submit(self, task: StepTask) -> cf.Future[StepResult]:
        if self._kernels is None:
            return self._executor.submit(execute_step, task)
        return self._executor.submit(_execute_pooled, task, self._kernels)

    def kill(self, tokens: Iterable[str]) -> None:
        from .. import papermill_engine

        if self.pool == "thread":
            for token in tokens:
                papermill_engine.kill(token)
            return
        # Pool workers are ours alone; their kernels exit when they see their parent gone.
        for child in multiprocessing.active_children():
            if child.pid and child.pid not in self._before:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)

    def close(self) -> None:
        try:
            self._executor.shutdown(wait=True, cancel_futures=True)
        finally:
            if self._kernels is not None:
                self._kernels.close()


def _execute_pooled(task: StepTask, kernels: KernelPool) -> StepResult:
    with using(kernels):
        return execute_step(task)
