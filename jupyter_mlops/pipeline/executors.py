"""Where steps execute: a registry of executors, with ``local`` and ``dask`` registered in it.

An executor takes ``StepTask``s and gives back ``concurrent.futures.Future``s of
``StepResult``s; the runner needs nothing else. ``register(name, factory)`` adds one, exactly
as the two built-in executors are added below; a package may also publish a factory under
the ``jupyter_mlops.executors`` entry point group. A factory is called as
``factory(jobs=N, address=URL_or_None, **options)``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from ..errors import InvalidInput, MissingDependency
from .execution import StepResult, StepTask, execute_step

ENTRY_POINT_GROUP = "jupyter_mlops.executors"


class Executor(Protocol):
    """What the runner asks of an executor."""

    name: str
    #: Whether tasks see the runner's files; if not, data travels through the artifact store.
    shares_disk: bool

    def submit(self, task: StepTask) -> cf.Future[StepResult]: ...

    def kill(self, tokens: Iterable[str]) -> None: ...

    def close(self) -> None: ...


Factory = Callable[..., Executor]
_registry: dict[str, Factory] = {}
_entry_points_loaded = False


def register(name: str, factory: Factory) -> None:
    """Make an executor available as ``--executor NAME``.

    Parameters
    ----------
    name:
        The name users pass.
    factory:
        Called as ``factory(jobs=N, address=URL_or_None, **options)``; returns an ``Executor``.
    """
    if not isinstance(name, str) or not name:
        raise InvalidInput(f"Executor name must be a non-empty string, not {name!r}.")
    _registry[name] = factory


def names() -> list[str]:
    _load_entry_points()
    return sorted(_registry)


def create(name: str, jobs: int = 1, address: str | None = None, **options: Any) -> Executor:
    """An executor by name; unknown names raise ``InvalidInput`` listing the known ones."""
    _load_entry_points()
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InvalidInput(f"--jobs must be a positive integer, not {jobs!r}.")
    factory = _registry.get(name)
    if factory is None:
        raise InvalidInput(f"No executor named {name!r}. Known executors: "
                           f"{', '.join(sorted(_registry))}.")
    return factory(jobs=jobs, address=address, **options)


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in _registry:
            # A broken third-party plugin must not take the built-in executors down with it.
            with contextlib.suppress(Exception):
                register(entry.name, entry.load())


class LocalExecutor:
    """Steps on this machine: a thread per running step (kernels are processes anyway), or a
    process pool with ``pool="process"`` for isolation of the papermill client itself."""

    name = "local"
    shares_disk = True

    def __init__(self, jobs: int = 1, address: str | None = None, pool: str = "thread") -> None:
        if address is not None:
            raise InvalidInput("The local executor takes no --address; use --executor dask.")
        if pool not in ("thread", "process"):
            raise InvalidInput(f"pool must be 'thread' or 'process', not {pool!r}.")
        self.pool = pool
        self._before: set[int] = set()
        if pool == "process":
            self._before = {p.pid for p in multiprocessing.active_children() if p.pid}
            context = multiprocessing.get_context("spawn")
            self._executor: cf.Executor = cf.ProcessPoolExecutor(jobs, mp_context=context)
        else:
            self._executor = cf.ThreadPoolExecutor(jobs, thread_name_prefix="mlops-step")

    def submit(self, task: StepTask) -> cf.Future[StepResult]:
        return self._executor.submit(execute_step, task)

    def kill(self, tokens: Iterable[str]) -> None:
        from . import papermill_engine

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
        self._executor.shutdown(wait=True, cancel_futures=True)


def _kill_on_worker(tokens: list[str]) -> int:
    from . import papermill_engine

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
    def client(self) -> Any:
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


register("local", LocalExecutor)
register("dask", DaskExecutor)
