"""What a kernel can learn about the papermill execution driving it.

papermill tells a kernel nothing directly, but it leaves three traces:

* the injected-parameters cell, which the kernel has executed: its source starts with papermill's
  ``# Parameters`` comment, and its assignments are the injected parameters;
* the command line of the process that started the kernel, for the ``papermill`` CLI;
* the output notebook, saved before each cell starts with ``metadata.papermill`` (input and
  output paths, parameters) and the starting cell marked ``"status": "running"``. It is looked
  for beside the launching process and the kernel when the CLI is not the launcher (a
  ``papermill.execute_notebook`` call).
"""

from __future__ import annotations

import ast
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PARAMETERS_HEADER = "# Parameters"
_RECENT_S = 600.0
_MAX_CANDIDATES = 50
_ANCESTORS = 3


@dataclass(frozen=True)
class PapermillInfo:
    """The parameters papermill injected, and its input and output notebooks when known."""

    parameters: dict[str, Any] = field(default_factory=dict)
    input_path: str | None = None
    output_path: str | None = None


_found: PapermillInfo | None = None
_scanned = 0


def detect(shell: Any) -> PapermillInfo | None:
    """The papermill execution this kernel serves, or None outside papermill.

    Parameters
    ----------
    shell:
        The running ``InteractiveShell``; its input history holds the injected cell.

    Returns
    -------
    PapermillInfo or None
        Found once per kernel; later calls return the same record.
    """
    global _found, _scanned
    if _found is not None:
        return _found
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if not history:
        return None
    injected = None
    # Only cells not looked at before: a long session pays for each cell once.
    for source in history[_scanned:]:
        if source.lstrip().startswith(PARAMETERS_HEADER):
            injected = source
            break
    _scanned = len(history)
    if injected is None:
        return None
    parameters = parse_parameters(injected)
    input_path, output_path = _paths(history[-1] if history else "")
    _found = PapermillInfo(parameters, input_path, output_path)
    return _found


def forget() -> None:
    """Forget what was detected (a test, or ``%unload_ext``)."""
    global _found, _scanned
    _found = None
    _scanned = 0


def parse_parameters(source: str) -> dict[str, Any]:
    """The names an injected-parameters cell assigns, with their (literal) values."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    values: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            continue
        try:
            values[target.id] = ast.literal_eval(node.value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            values[target.id] = ast.get_source_segment(source, node.value)
    return values


def _paths(current_cell: str) -> tuple[str | None, str | None]:
    for pid in _ancestors():
        argv = _cmdline(pid)
        parsed = _cli_paths(argv, _cwd(pid))
        if parsed is not None:
            return parsed
    folders = [folder for folder in (*(_cwd(pid) for pid in _ancestors()), os.getcwd())
               if folder]
    return _from_output_notebook(folders, current_cell)


def _ancestors() -> list[int]:
    found = []
    pid = os.getppid()
    for _ in range(_ANCESTORS):
        if pid <= 1:
            break
        found.append(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_bytes()
            pid = int(stat.rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def _cwd(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return None


def _cli_paths(argv: list[str], cwd: str | None) -> tuple[str | None, str | None] | None:
    """Input and output paths from a ``papermill IN OUT ...`` command line."""
    start = None
    for index, arg in enumerate(argv):
        if os.path.basename(arg) == "papermill" and (index == 0 or argv[index - 1] != "-c"):
            start = index + 1
            break
    if start is None:
        return None
    try:
        from papermill.cli import papermill as command

        context = command.make_context("papermill", list(argv[start:]),
                                       resilient_parsing=True)
    except Exception:  # a papermill whose CLI changed: fall back to the output notebook
        return None
    in_path = context.params.get("notebook_path")
    out_path = context.params.get("output_path")
    return _absolute(in_path, cwd), _absolute(out_path, cwd)


def _absolute(path: str | None, cwd: str | None) -> str | None:
    if not path or path == "-" or "://" in path:
        return path or None
    return str(Path(cwd or os.getcwd(), path).resolve())


def _from_output_notebook(
    folders: list[str], current_cell: str
) -> tuple[str | None, str | None]:
    """Paths read from the output notebook being written for this execution."""
    now = time.time()
    candidates: list[tuple[float, Path]] = []
    for folder in dict.fromkeys(folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.endswith(".ipynb"):
                continue
            try:
                mtime = entry.stat().st_mtime
            except OSError:
                continue
            if now - mtime < _RECENT_S:
                candidates.append((mtime, Path(entry.path)))
    wanted = current_cell.strip()
    for _, path in sorted(candidates, reverse=True)[:_MAX_CANDIDATES]:
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        meta = (notebook.get("metadata") or {}).get("papermill") or {}
        if not meta:
            continue
        for cell in notebook.get("cells", []):
            status = ((cell.get("metadata") or {}).get("papermill") or {}).get("status")
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            if status == "running" and text.strip() == wanted:
                return _existing(meta.get("input_path"), folders), str(path.resolve())
    return None, None


def _existing(path: str | None, folders: list[str]) -> str | None:
    """``path`` made absolute against the first folder where it exists (papermill keeps it as
    given, relative to a working directory the kernel does not know)."""
    if not path or "://" in path or os.path.isabs(path):
        return path or None
    for folder in folders:
        candidate = Path(folder, path)
        if candidate.is_file():
            return str(candidate.resolve())
    return path
