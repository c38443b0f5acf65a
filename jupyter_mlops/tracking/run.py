"""Runs: starting, logging into, ending, and the per-context stack of active runs.

Active runs live in a context variable, so threads and asyncio tasks each have their own. A
run started without ``with`` is also remembered per thread, because a notebook kernel may run
each cell in a fresh copy of the context; such bare runs are therefore shared by the asyncio
tasks of one thread, so concurrent tasks should use ``with``.

A run's row is written lazily: by the first call that stores something, by ``end``, or by the
background writer within a flush interval. So ``@start_run(...)`` used as a decorator leaves
nothing behind, and a run that only logs metrics costs one transaction plus its flushes.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import functools
import inspect
import os
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from .. import session as sessions
from ..errors import Conflict, InvalidInput, NotFound
from ..records import Run, RunStatus, Source
from ..session import Session
from . import capture
from .host import HOST
from .ids import friendly_name, new_run_id
from .values import (
    MAX_STEP,
    check_key,
    metric_step,
    metric_timestamp,
    metric_value,
    param_value,
    tag_value,
)

if TYPE_CHECKING:
    from ..store import Store

F = TypeVar("F", bound=Callable[..., Any])

_stack: contextvars.ContextVar[tuple[ActiveRun, ...]] = contextvars.ContextVar(
    "jupyter_mlops_active_runs", default=()
)
_bare: dict[int, list[ActiveRun]] = {}
_bare_lock = threading.Lock()

class ActiveRun:
    """A run of this process: log into it, end it, or use it with ``with`` or as a decorator."""

    def __init__(
        self,
        session: Session,
        experiment: str,
        name: str,
        parent: ActiveRun | None,
        tags: dict[str, str],
        source: Source,
        environment_digest: str | None,
        git: Any,
        options: dict[str, Any],
    ) -> None:
        self.id = new_run_id()
        self.experiment = experiment
        self.name = name
        self.parent = parent
        self.start_time = time.time()
        self.status = RunStatus.RUNNING
        self._session = session
        self._tags = tags
        self._source = source
        self._environment_digest = environment_digest
        self._git = git
        self._options = options
        self._created = False
        self._create_lock = threading.Lock()
        self._steps: dict[str, int] = {}
        self._logged_metrics = False
        self._managed = False
        self._owned = True  # False for a run attached from the process that started it
        self._thread = threading.get_ident()

    def __repr__(self) -> str:
        return f"<ActiveRun {self.id} {self.name!r} {self.status.value}>"

    @property
    def parent_id(self) -> str | None:
        return self.parent.id if self.parent else getattr(self, "_parent_id", None)

    @property
    def store(self) -> Store:
        return self._session.store

    # -- creation --------------------------------------------------------------------------

    def _ensure(
        self,
        status: RunStatus | None = None,
        end_time: float | None = None,
        error: str | None = None,
    ) -> bool:
        """Insert the run's row if not done yet; True when this call inserted it."""
        if self._created:
            return False
        with self._create_lock:
            if self._created:
                return False
            if self.parent is not None:
                self.parent._ensure()
            self._session.store.runs.create(
                self.id, self.experiment, self.name, self.start_time,
                parent_id=self.parent_id, source=self._source,
                environment_digest=self._environment_digest, git=self._git,
                host=HOST, pid=os.getpid(), tags=self._tags,
                status=status, end_time=end_time, error=error,
            )
            self._created = True
            return True

    # -- logging ---------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.status is not RunStatus.RUNNING:
            raise Conflict(f"Run {self.id} has ended ({self.status.value}); start a new run.")

    def log_param(self, key: str, value: Any) -> None:
        """Record one param (stored as text; fixed once logged)."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record several params at once."""
        self._check_open()
        clean = {check_key(k, "Param"): param_value(k, v) for k, v in params.items()}
        self._ensure()
        self._session.store.runs.log_params(self.id, clean)

    def log_metric(
        self, key: str, value: Any, step: int | None = None, timestamp: float | None = None
    ) -> None:
        """Buffer one metric value; without ``step`` the key's steps count 0, 1, 2, ..."""
        self._check_open()
        check_key(key, "Metric")
        number = metric_value(key, value)
        step = self._next_step(key) if step is None else metric_step(key, step)
        self._steps[key] = step + 1
        self._logged_metrics = True
        self._session.writer.append(
            (self.id, key, number, step,
             time.time() if timestamp is None else metric_timestamp(key, timestamp))
        )

    def _next_step(self, key: str) -> int:
        """The step after ``key``'s last one; checked, as the writer stores rows unchecked."""
        return metric_step(key, self._steps.get(key, 0))

    def log_metrics(
        self, metrics: Mapping[str, Any], step: int | None = None, timestamp: float | None = None
    ) -> None:
        """Buffer several metric values sharing one step and timestamp."""
        self._check_open()
        when = (time.time() if timestamp is None
                else metric_timestamp(next(iter(metrics), ""), timestamp))
        fixed = None if step is None else metric_step(next(iter(metrics), ""), step)
        steps = self._steps
        rows = []
        for key, value in metrics.items():
            if key not in steps:  # a key seen before was checked then
                check_key(key, "Metric")
            # Plain floats are the common case; everything else takes the full check.
            number = value if type(value) is float else metric_value(key, value)
            at = fixed if fixed is not None else steps.get(key, 0)
            if at > MAX_STEP:
                self._next_step(key)  # raises: the key's steps ran past the 64-bit range
            steps[key] = at + 1
            rows.append((self.id, key, number, at, when))
        self._logged_metrics = True
        self._session.writer.extend(rows)

    def set_tag(self, key: str, value: Any) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        clean = {check_key(k, "Tag"): tag_value(k, v) for k, v in tags.items()}
        self._ensure()
        self._session.store.runs.set_tags(self.id, clean)

    def set_source(self, source: Source) -> None:
        """Replace the recorded source (the notebook face learns the cell after the start)."""
        self._source = source
        if self._created:
            self._session.store.runs.set_source(self.id, source)

    def log_artifact(
        self, path: str | os.PathLike[str], artifact_path: str | None = None
    ) -> list[str]:
        """Store a file, or a folder's files, under ``artifact_path``; returns their paths."""
        self._check_open()
        source = Path(path)
        prefix = _artifact_dir(artifact_path)
        if source.is_file():
            files = [(source, prefix + source.name)]
        elif source.is_dir():
            files = [
                (file, prefix + source.name + "/" + file.relative_to(source).as_posix())
                for file in sorted(source.rglob("*"))
                if file.is_file()
            ]
        else:
            raise NotFound(f"No file or folder at {source}: pass an existing path.")
        stored = [(name, *self._session.store.artifacts.put_file(file)) for file, name in files]
        self._attach(stored)
        return [name for name, _, _ in stored]

    def log_bytes(self, data: bytes, artifact_file: str) -> str:
        """Store ``data`` as the artifact ``artifact_file``; returns its digest."""
        self._check_open()
        name = _artifact_file(artifact_file)
        digest, size = self._session.store.artifacts.put_bytes(data)
        self._attach([(name, digest, size)])
        return digest

    def _attach(self, items: list[tuple[str, str, int]]) -> None:
        self._ensure()
        self._session.store.runs.add_artifacts(self.id, items, time.time())

    def log_input(self, kind: str, ref: str) -> None:
        """Record that the run read ``ref`` (a data version, a model, ...)."""
        self._ensure()
        self._session.store.runs.add_lineage(self.id, "input", kind, ref, time.time())

    def log_output(self, kind: str, ref: str) -> None:
        """Record that the run produced ``ref``."""
        self._ensure()
        self._session.store.runs.add_lineage(self.id, "output", kind, ref, time.time())

    # -- ending ----------------------------------------------------------------------------

    def end(self, status: RunStatus | str = RunStatus.FINISHED, error: str | None = None) -> None:
        """End the run, writing its buffered metrics first; ending twice is a no-op."""
        status = _status(status)
        if self.status is not RunStatus.RUNNING:
            return
        end_time = time.time()
        writer = self._session.writer
        writer.untrack(self.id)
        try:
            if self._created or self._logged_metrics:
                self._ensure()
                writer.flush()
                self._session.store.runs.finish(self.id, status, end_time, error)
            elif not self._ensure(status, end_time, error):
                self._session.store.runs.finish(self.id, status, end_time, error)
        finally:
            self.status = status
            _forget(self)

    def __enter__(self) -> ActiveRun:
        self._managed = True
        # A `with` run belongs to this context alone; only bare runs need the per-thread
        # fallback, and keeping a `with` run there would leak it into sibling asyncio tasks.
        with _bare_lock:
            runs = _bare.get(self._thread)
            if runs and self in runs:
                runs.remove(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.end(RunStatus.FINISHED)
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end(RunStatus.KILLED, "KeyboardInterrupt")
        else:
            self.end(RunStatus.FAILED, "".join(traceback.format_exception(exc_type, exc, tb)))

    def __call__(self, func: F) -> F:
        """Use as a decorator: each call of ``func`` runs in a new run with these options."""
        if not callable(func):
            raise InvalidInput("start_run(...) decorates a function: @start_run(name='x').")
        if not self._created:
            self._session.writer.untrack(self.id)
            _forget(self)
            self.status = RunStatus.KILLED
        options = self._options

        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with start_run(**options):
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with start_run(**options):
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]

    def info(self) -> Run:
        """The stored record of this run (written first if still pending)."""
        self._ensure()
        if self._logged_metrics:
            self._session.writer.flush()
        return self._session.store.runs.get(self.id)

    def summary(self) -> Run:
        """What the run card shows, read in one query: ``info`` less source, git and lineage.

        Read from the store rather than built from what this process logged, so the card of a
        run that others also write to (an attached process, the server) is the stored truth.
        """
        from .summary import run_summary

        self._ensure()
        if self._logged_metrics:
            self._session.writer.flush()
        return run_summary(self._session.store, self.id)


def _status(status: RunStatus | str) -> RunStatus:
    try:
        return RunStatus(str(status).upper())
    except ValueError:
        choices = ", ".join(s.value for s in RunStatus if s is not RunStatus.RUNNING)
        raise InvalidInput(f"Unknown run status {status!r}: use one of {choices}.") from None


def _artifact_dir(path: str | None) -> str:
    if not path:
        return ""
    return check_key(path.strip("/"), "Artifact path") + "/"


def _artifact_file(path: str) -> str:
    return check_key(path, "Artifact file")


def _forget(run: ActiveRun) -> None:
    stack = _stack.get()
    if run in stack:
        _stack.set(tuple(r for r in stack if r is not run))
    with _bare_lock:
        runs = _bare.get(run._thread)
        if runs and run in runs:
            runs.remove(run)


ATTACH_ENV = "JUPYTER_MLOPS_RUN_ID"
_attached: list[ActiveRun] = []


def active_run() -> ActiveRun | None:
    """The innermost run active in this thread or task, or None.

    In a process started for a run of another process (a pipeline step's kernel, which gets
    ``JUPYTER_MLOPS_RUN_ID``), that run is the active one until this process starts its own.
    """
    stack = _stack.get()
    if stack:
        return stack[-1]
    with _bare_lock:
        runs = _bare.get(threading.get_ident())
        if runs:
            return runs[-1]
    if _attached:
        return _attached[0] if _attached[0].status is RunStatus.RUNNING else None
    if os.environ.get(ATTACH_ENV):
        return attach_run(os.environ[ATTACH_ENV])
    return None


def attach_run(run_id: str) -> ActiveRun:
    """Log into a RUNNING run that another process started and will end.

    The process that started it keeps its heartbeat and ends it; this one only writes
    params, metrics, tags and artifacts, and does not end it at exit.
    """
    track = sessions.current()
    record = track.store.runs.get(run_id)
    if record.status is not RunStatus.RUNNING:
        raise Conflict(f"Run {record.id} has ended ({record.status.value}); cannot attach.")
    parent = None
    run = ActiveRun(track, record.experiment, record.name, parent, {}, record.source
                    or capture.source(), record.environment_digest, record.git, {})
    run.id = record.id
    run.start_time = record.start_time
    run._created = True
    run._owned = False
    if record.parent_id is not None:
        run._parent_id = record.parent_id
    _attached[:] = [run]
    return run


def start_run(
    name: str | None = None,
    experiment: str | None = None,
    tags: Mapping[str, Any] | None = None,
    nested: bool = False,
) -> ActiveRun:
    """Start a run; use it with ``with``, as a decorator, or end it with ``end_run``.

    Parameters
    ----------
    name:
        A display name; default: a generated one such as ``brisk-otter-042``.
    experiment:
        The experiment to file it under; default: the parent's, else the configured default.
    tags:
        Initial tags.
    nested:
        Start a child of the active run instead of a new top-level run.

    Returns
    -------
    ActiveRun
        The started run, now the active one of this thread or task.
    """
    current = active_run()
    parent = None
    if nested or (current is not None and not current._owned):
        # Runs started inside a run attached from another process (a pipeline step) are
        # its children: ending that run is its owner's job.
        parent = current
    elif current is not None:
        if current._managed and current in _stack.get():
            raise Conflict(
                f"Run {current.id} is active in an enclosing `with` block: pass nested=True "
                "to start a child run, or leave the block first."
            )
        # A run left active by an earlier, failed or re-executed cell must not block this one.
        warnings.warn(
            f"Ending run {current.id} ({current.name}) that was still active.", stacklevel=2
        )
        current.end(RunStatus.FINISHED)
    track = sessions.current()
    track.warn_if_unshared()
    if experiment is not None and (not isinstance(experiment, str) or not experiment.strip()):
        raise InvalidInput(f"Experiment name must be a non-empty string, not {experiment!r}.")
    experiment = experiment or (parent.experiment if parent else track.settings.experiment)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InvalidInput(f"Run name must be a non-empty string, not {name!r}.")
    clean_tags = {check_key(k, "Tag"): tag_value(k, v) for k, v in (tags or {}).items()}
    environment = capture.environment(with_packages=track.settings.capture_packages)
    track.store.runs.ensure_environment(environment)
    git = None
    if track.settings.capture_git:
        git = capture.git_state(
            track.store.workspace.root,
            store_diff=lambda data: track.store.artifacts.put_bytes(data)[0],
        )
    run = ActiveRun(
        track, experiment, name or friendly_name(), parent, clean_tags, capture.source(),
        environment.digest, git,
        {"name": name, "experiment": experiment, "tags": tags, "nested": nested},
    )
    _stack.set((*_stack.get(), run))
    with _bare_lock:
        _bare.setdefault(run._thread, []).append(run)
    track.writer.track(run.id, run._ensure)
    return run


def end_run(status: RunStatus | str = RunStatus.FINISHED) -> None:
    """End the active run of this thread or task."""
    run = active_run()
    if run is None:
        raise Conflict("No active run to end.")
    run.end(status)


def require_active() -> ActiveRun:
    run = active_run()
    if run is None:
        raise Conflict(
            "No active run: start one with `with mlops.start_run():` or `%%mlops_track`."
        )
    return run


def end_all_active() -> None:
    """End every run this process left active (at interpreter exit) as FINISHED."""
    with _bare_lock:
        runs = [run for runs in _bare.values() for run in runs if run._owned]
    if _attached:
        # Not ours to end, but its buffered metrics must reach the store before exit.
        _attached[0]._tracker.writer.flush()
    for run in reversed(runs):
        # Exit must go on; a run that cannot be ended is marked KILLED by its heartbeat.
        with contextlib.suppress(Exception):
            run.end(RunStatus.FINISHED)


atexit.register(end_all_active)
