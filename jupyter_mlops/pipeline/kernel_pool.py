"""Kernels started ahead of the steps that will use them: the start of one is hidden by another.

Starting a kernel (about half a second here, mostly the kernel process importing IPython) is
the floor of every notebook step. A ``KernelPool`` starts fresh kernels in the background while
the current steps run, and hands each to exactly one step: a kernel is never reused, so a
variable set by one step can never be seen by the next, exactly as with a kernel started for
the step.

A kernel is started before its step's environment is known (the step's run id, its upstream
outputs): it starts with the runner's environment and working directory, and the step's own
variables are set in it by one silent execution (no execution count, no history) before its
first cell. Its start-up output goes to a log file of its own, which becomes the step's kernel
log when the step takes it. ``close`` shuts down every kernel no step took, also one still
starting; a runner killed outright leaves none either, since kernels exit when their parent
process goes (ipykernel's parent poller), pooled or not.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KernelPool", "WarmKernel", "active", "using"]

# How many kernels a pool keeps started ahead, per kind of kernel, by default.
AHEAD = 2

_local = threading.local()


@dataclass
class WarmKernel:
    """A started kernel nobody has used yet, and the log file its process writes."""

    manager: Any
    log: Path | None

    def adopt_log(self, path: str | None) -> None:
        """Make this kernel's log the step's log at ``path`` (or drop it)."""
        if self.log is None:
            return
        if path is None:
            with contextlib.suppress(OSError):
                self.log.unlink()
        else:
            # The kernel keeps writing through its open descriptor: a rename moves the file.
            os.replace(self.log, path)
        self.log = None

    def shutdown(self) -> None:
        """Stop the kernel at once and remove its files (a kernel no step will use)."""
        from nbclient.util import run_sync

        with contextlib.suppress(Exception):
            run_sync(self.manager.shutdown_kernel)(now=True)
        with contextlib.suppress(Exception):
            run_sync(self.manager.cleanup_resources)()
        self.adopt_log(None)


class KernelPool:
    """Fresh kernels started in the background, each handed to one step only.

    Parameters
    ----------
    ahead:
        How many kernels of one kind (kernel name and working directory) to keep started
        beyond those the running steps hold.
    """

    def __init__(self, ahead: int = AHEAD) -> None:
        self.ahead = max(0, int(ahead))
        self._lock = threading.Lock()
        self._closed = False
        self._spare: dict[tuple[str, str], list[cf.Future[WarmKernel]]] = {}
        self._starter = cf.ThreadPoolExecutor(max(1, self.ahead),
                                              thread_name_prefix="mlops-kernel-start")

    def warm(self, kernel_name: str, cwd: str, log_dir: str | None = None) -> None:
        """Start kernels of this kind in the background until ``ahead`` are spare."""
        with self._lock:
            if self._closed:
                return
            spare = self._spare.setdefault((kernel_name, cwd), [])
            spare[:] = [f for f in spare if not (f.done() and f.exception() is not None)]
            for _ in range(self.ahead - len(spare)):
                spare.append(self._starter.submit(self._start, kernel_name, cwd, log_dir))

    def take(self, kernel_name: str, cwd: str) -> WarmKernel | None:
        """A spare kernel of this kind, the pool's no longer, or None when there is none.

        A kernel still starting is waited for: its start began earlier than a new one would.
        """
        with self._lock:
            spare = self._spare.get((kernel_name, cwd), [])
            # Prefer one already started; among those starting, the oldest.
            spare.sort(key=lambda f: not f.done())
            future = spare.pop(0) if spare and not self._closed else None
        while future is not None:
            try:
                return future.result()
            except Exception:
                with self._lock:
                    spare = self._spare.get((kernel_name, cwd), [])
                    future = spare.pop(0) if spare and not self._closed else None
        return None

    def close(self) -> None:
        """Shut down every kernel no step took, including those still starting."""
        with self._lock:
            self._closed = True
            futures = [f for spare in self._spare.values() for f in spare]
            self._spare.clear()
        for future in futures:
            future.cancel()
        self._starter.shutdown(wait=True)
        for future in futures:
            if future.cancelled() or future.exception() is not None:
                continue
            future.result().shutdown()

    def _start(self, kernel_name: str, cwd: str, log_dir: str | None) -> WarmKernel:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.util import run_sync

        if self._closed:
            raise RuntimeError("The kernel pool is closed.")
        # nbclient's own start path, so a pooled kernel is started exactly as a step's own
        # (same manager class, in-memory IPython history, same arguments).
        client = NotebookClient(nbformat.v4.new_notebook(), kernel_name=kernel_name)
        manager = client.create_kernel_manager()
        start: dict[str, Any] = {"cwd": cwd, "env": dict(os.environ)}
        log = None
        if log_dir is not None:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=".kernel-", suffix=".log", dir=log_dir)
            log = Path(name)
            start["stdout"] = start["stderr"] = handle
        try:
            run_sync(client.async_start_new_kernel)(**start)
        except BaseException:
            if log is not None:
                with contextlib.suppress(OSError):
                    log.unlink()
            raise
        finally:
            if log is not None:
                os.close(handle)  # the kernel process holds its own copy
        warm = WarmKernel(manager, log)
        if self._closed:  # closed while this one started: close() may have missed it
            warm.shutdown()
            raise RuntimeError("The kernel pool is closed.")
        return warm


def setup_code(env: Mapping[str, str]) -> str:
    """The silent first execution giving a pooled kernel its step's environment variables.

    It leaves no name behind in the user's namespace.
    """
    return f"__import__('os').environ.update({dict(env)!r})"


def active() -> KernelPool | None:
    """The pool the steps executing in this thread take their kernels from, if any."""
    return getattr(_local, "pool", None)


@contextlib.contextmanager
def using(pool: KernelPool | None) -> Iterator[None]:
    """Let the executions in this thread take their kernels from ``pool``."""
    before = active()
    _local.pool = pool
    try:
        yield
    finally:
        _local.pool = before
