"""The ``dask`` executor: steps as tasks on a dask.distributed cluster.

A built-in plugin file: ``executors/__init__.py`` registers ``DaskExecutor`` under ``dask``
exactly as a third party's package would register its own factory. dask.distributed is an
optional dependency (the ``[dask]`` extra), imported only when the executor is created.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency
from ..execution import StepResult, StepTask, execute_step

if TYPE_CHECKING:
    from distributed import Client


def _kill_on_worker(tokens: list[str]) -> int:
    from .. import papermill_engine

    return sum(papermill_engine.kill(token) for token in tokens)


class DaskExecutor:
    """Steps as tasks on a dask.distributed cluster: ``address``'s, or a local one.

    Workers need jupyter-mlops and the notebooks' libraries installed, and must reach the
    metadata store and the artifact store; they need not share a disk with the runner unless
    ``shares_disk=True`` says they do (a ``LocalCluster``, for example).
    """

    name = "dask"

    def __init__(self, jobs: int = 1, address: str | None = None, shares_disk: bool = False,
                 processes: bool = True, **cluster_options: Any) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise MissingDependency(
                "The dask executor needs dask.distributed: pip install 'jupyter-mlops[dask]'."
            ) from exc
        self.shares_disk = shares_disk
        self._cluster = None
        if address:
            self._client = Client(address, set_as_default=False)
        else:
            options = {"n_workers": jobs, "threads_per_worker": 1, "processes": processes,
                       "host": "127.0.0.1", "protocol": "tcp://", "dashboard_address": None,
                       **cluster_options}
            self._cluster = LocalCluster(**options)
            self._client = Client(self._cluster, set_as_default=False)
        self._futures: dict[str, Any] = {}

    @property
    def client(self) -> Client:
        return self._client

    def submit(self, task: StepTask) -> cf.Future[StepResult]:
        future = self._client.submit(execute_step, task, key=f"mlops-step-{task.token}",
                                     pure=False, retries=0)
        self._futures[task.token] = future
        bridge: cf.Future[StepResult] = cf.Future()

        def done(finished: Any) -> None:
            try:
                bridge.set_result(finished.result())
            except BaseException as exc:  # a cancelled or lost task ends the step too
                bridge.set_exception(exc)
            self._futures.pop(task.token, None)

        future.add_done_callback(done)
        return bridge

    def kill(self, tokens: Iterable[str]) -> None:
        tokens = list(tokens)
        # Cancelling a running Dask task does not stop it; killing its kernel on the worker
        # does, and the task then returns promptly.
        with contextlib.suppress(Exception):
            self._client.run(_kill_on_worker, tokens)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
