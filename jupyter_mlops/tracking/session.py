"""The tracker of this process: which workspace runs go to, with its store and writer."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Workspace, resolve_workspace, setting
from .writer import Writer

if TYPE_CHECKING:
    from ..store import Store

_lock = threading.Lock()
_current: Tracker | None = None
_chosen: Workspace | None = None
HOST = socket.gethostname()


@dataclass
class Tracker:
    """A store plus the background writer and settings runs of this process use."""

    store: Store
    writer: Writer
    default_experiment: str
    dead_after: float
    capture_git: bool
    capture_packages: bool


def set_workspace(
    path: str | os.PathLike[str] | None = None,
    uri: str | None = None,
    artifacts: str | None = None,
) -> Workspace:
    """Send runs and queries of this process to another workspace.

    Parameters
    ----------
    path:
        A folder inside the workspace (found by the usual walk-up); default: the current one.
    uri, artifacts:
        A SQLAlchemy URL and an fsspec URL overriding the workspace's own.

    Returns
    -------
    Workspace
        The workspace now in use.
    """
    global _current, _chosen
    workspace = resolve_workspace(path, uri, artifacts)
    with _lock:
        if _current is not None:
            _current.writer.flush()
        _chosen = workspace
        _current = None
    return workspace


def tracker() -> Tracker:
    """The tracker for the chosen (or discovered) workspace, opened on first use."""
    global _current
    current = _current
    if current is not None:
        return current
    with _lock:
        if _current is None:
            workspace = _chosen or resolve_workspace()
            root = workspace.root
            # The store (and SQLAlchemy under it) loads on the first run, not on import.
            from ..store import Store

            store = Store.open(workspace)
            writer = Writer(
                store,
                flush_interval=setting("flush_interval", root),
                heartbeat_interval=setting("heartbeat_interval", root),
            )
            _current = Tracker(
                store=store,
                writer=writer,
                default_experiment=setting("experiment", root),
                dead_after=setting("dead_after", root),
                capture_git=setting("capture_git", root),
                capture_packages=setting("capture_packages", root),
            )
        return _current


def is_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[-1].split()[0]
        return state != b"Z"
    except (OSError, IndexError):
        return True
