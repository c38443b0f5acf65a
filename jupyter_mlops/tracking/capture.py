"""What a run records about where it ran: environment, git state and source.

The environment is captured once per process. Git state is cached per repository and
re-read only when HEAD or the index changed, or after ``GIT_TTL`` seconds (an edited file
changes the dirty diff without touching either), so a loop of many runs pays for it once.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..records import Environment, GitState, Source

GIT_TTL = 5.0
_GIT_TIMEOUT = 10
_CREDENTIALS = re.compile(r"(?<=://)[^@/]+@")

_environment: Environment | None = None
_env_lock = threading.Lock()
_GitValues = tuple[str, str | None, str, str | None]
_git_cache: dict[Path, tuple[tuple[float, float, str], float, _GitValues | None]] = {}
_git_lock = threading.Lock()
_source_providers: list[Callable[[], Source | None]] = []


def environment(with_packages: bool = True) -> Environment:
    """The interpreter, platform and installed distributions of this process (cached)."""
    global _environment
    with _env_lock:
        if _environment is None or (with_packages and not _environment.packages):
            packages = _packages() if with_packages else {}
            python = platform.python_version()
            system = platform.platform()
            canonical = json.dumps([python, system, packages], sort_keys=True).encode()
            from ..store.artifacts import hash_bytes

            _environment = Environment(hash_bytes(canonical), python, system, packages)
        return _environment


def _packages() -> dict[str, str]:
    from importlib.metadata import distributions

    found: dict[str, str] = {}
    for dist in distributions():
        name, version = _name_and_version(dist)
        if name:
            found[name.lower().replace("_", "-")] = version
    return dict(sorted(found.items()))


def _name_and_version(dist: Any) -> tuple[str | None, str]:
    """A distribution's Name and Version, read from the head of its metadata file.

    ``dist.metadata`` parses the whole file as an e-mail message, twice with ``dist.version``:
    0.2-0.7 s for a few hundred distributions, paid by the first run of every process. Both
    fields are header lines before the first blank line, so reading the head gives the same
    values; a file without them falls back to the full parse.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name = version = None
    for line in text.split("\n\n", 1)[0].splitlines():
        if not line.strip():
            break
        field, _, value = line.partition(":")
        if field == "Name" and name is None:
            name = value.strip()
        elif field == "Version" and version is None:
            version = value.strip()
        if name is not None and version is not None:
            return name, version
    return dist.metadata["Name"], dist.version


def git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _stat_key(root: Path) -> tuple[float, float, str]:
    git = root / ".git"
    head = ""
    # In a worktree or submodule .git is a file; git itself resolves it, the key just weakens.
    with contextlib.suppress(OSError):
        head = (git / "HEAD").read_text()
    def mtime(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0
    return (mtime(git / "index"), mtime(git / "HEAD"), head)


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, timeout=_GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def git_state(
    start: Path | None = None, store_diff: Callable[[bytes], str] | None = None
) -> GitState | None:
    """Commit, branch, remote and uncommitted diff of the repository around ``start``.

    ``store_diff`` stores the diff and returns its digest; without it only ``dirty`` is kept.
    Returns None outside a repository, without git, or before the first commit.
    """
    root = git_root((start or Path.cwd()).resolve())
    if root is None:
        return None
    key = _stat_key(root)
    now = time.monotonic()
    with _git_lock:
        cached = _git_cache.get(root)
        if cached is not None and cached[0] == key and now - cached[1] < GIT_TTL:
            values = cached[2]
        else:
            values = _read_git(root)
            _git_cache[root] = (key, now, values)
    if values is None:
        return None
    commit, branch, diff, remote = values
    digest = store_diff(diff.encode()) if diff and store_diff is not None else None
    return GitState(commit=commit, branch=branch, dirty=bool(diff), diff_digest=digest,
                    remote=remote or None)


def _read_git(root: Path) -> _GitValues | None:
    heads = _git(root, "rev-parse", "HEAD", "--abbrev-ref", "HEAD")
    if heads is None:
        return None
    lines = heads.split()
    if len(lines) < 2:
        return None
    branch = None if lines[1] == "HEAD" else lines[1]
    diff = _git(root, "diff", "HEAD", "--no-color", "--no-ext-diff") or ""
    remote = _git(root, "config", "--get", "remote.origin.url")
    remote = _CREDENTIALS.sub("", remote.strip()) if remote else None
    return lines[0], branch, diff, remote


def register_source_provider(provider: Callable[[], Source | None]) -> None:
    """Let a face (the notebook magics) say where the running code comes from."""
    if provider not in _source_providers:
        _source_providers.insert(0, provider)


def unregister_source_provider(provider: Callable[[], Source | None]) -> None:
    if provider in _source_providers:
        _source_providers.remove(provider)


def source() -> Source:
    """The notebook cell, script or interactive session the current run was started from."""
    for provider in _source_providers:
        found = provider()
        if found is not None:
            return found
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path:
        return Source("script", os.path.abspath(path))
    if "IPython" in sys.modules:
        return Source("ipython")
    return Source("interactive")
