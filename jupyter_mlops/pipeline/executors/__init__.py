"""Where steps execute: executors are plugins of one ``Registry``, one file each.

An executor takes ``StepTask``s and gives back ``concurrent.futures.Future``s of
``StepResult``s; the runner needs nothing else. The built-ins, ``local.py`` and ``dask.py``,
register below exactly as a third party's would: with ``register(name, factory)``, or from a
package through the ``jupyter_mlops.executors`` entry point group::

    [project.entry-points."jupyter_mlops.executors"]
    ray = "their_pkg.executor:RayExecutor"

A factory (usually the executor class itself) is called as
``factory(jobs=N, address=URL_or_None, **options)``.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from ...errors import InvalidInput
from ...plugins import Registry
from ..execution import StepResult, StepTask
from .dask import DaskExecutor
from .local import LocalExecutor

__all__ = [
    "ENTRY_POINT_GROUP", "EXECUTORS", "DaskExecutor", "Executor", "Factory", "LocalExecutor",
    "create", "names", "register", "unregister",
]

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

# Entries are factories: an entry point naming a class registers the class, not an instance.
EXECUTORS: Registry[Factory] = Registry(
    ENTRY_POINT_GROUP, "executor",
    hint="Install the package that provides it, or register it with "
         "jupyter_mlops.pipeline.register_executor(name, factory).",
    instantiate=False,
)


def register(name: str, factory: Factory) -> None:
    """Make an executor available as ``--executor NAME`` (replacing any of that name).

    Parameters
    ----------
    name:
        The name users pass.
    factory:
        Called as ``factory(jobs=N, address=URL_or_None, **options)``; returns an ``Executor``.
    """
    if not isinstance(name, str) or not name:
        raise InvalidInput(f"Executor name must be a non-empty string, not {name!r}.")
    EXECUTORS.register(name, factory, replace=True)


def unregister(name: str) -> None:
    """Remove the executor ``name`` (a test's or a notebook's temporary one)."""
    EXECUTORS.unregister(name)


def names() -> list[str]:
    """The registered executors' names, sorted (for help texts and errors)."""
    return EXECUTORS.names()


def create(name: str, jobs: int = 1, address: str | None = None, **options: Any) -> Executor:
    """An executor by name; unknown names raise ``InvalidInput`` listing the known ones."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InvalidInput(f"--jobs must be a positive integer, not {jobs!r}.")
    if name not in EXECUTORS:
        raise InvalidInput(f"No executor named {name!r}. Known executors: "
                           f"{', '.join(names())}.")
    return EXECUTORS.get(name)(jobs=jobs, address=address, **options)


register("local", LocalExecutor)
register("dask", DaskExecutor)
