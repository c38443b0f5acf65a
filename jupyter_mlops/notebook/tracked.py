"""A tracked stretch of notebook: a cell (``%%mlops_track``) or a span of cells.

Starting it opens a run and records what the notebook knows (the cell, the notebook file and
its repository, papermill's parameters); ending it records the ``-p`` variables, then the
status: FINISHED, FAILED with the traceback, or KILLED on an interrupt.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import MlopsError
from ..records import RunStatus, Source
from ..session import current
from ..tracking import autolog_support, capture
from ..tracking.run import ActiveRun, start_run
from . import notebook_path, papermill_info
from .cell import cell_number

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
MAX_SNAPSHOT_BYTES = 50 * 1024 * 1024


@dataclass
class TrackOptions:
    """What the magic line asked for."""

    experiment: str | None = None
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    autolog: bool = True
    nested: bool = False
    card: bool = True


def current_source(shell: Any, cell: str | None = None) -> Source:
    """The source of the cell now running in ``shell``: notebook path, cell and count."""
    if cell is None:
        history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
        cell = history[-1] if history else None
    path = notebook_path.find_notebook(shell)
    kind = "notebook" if path is not None or notebook_path.in_kernel() else "ipython"
    return Source(kind, str(path) if path else None, cell, cell_number(shell))


def start(
    shell: Any, options: TrackOptions, nested: bool = False, cell: str | None = None
) -> ActiveRun:
    """Start the run of a tracked cell or span, recording where it runs.

    Parameters
    ----------
    shell:
        The running ``InteractiveShell``.
    options:
        Parsed magic options.
    nested:
        Start it as a child of the active run (also when ``options.nested``).
    cell:
        The cell's full source; default: the last input in the shell's history.

    Returns
    -------
    ActiveRun
        The started run, active until ``finish``.
    """
    source = current_source(shell, cell)
    notebook = Path(source.path) if source.path else None
    if notebook is None and notebook_path.in_kernel():
        notebook_path.warn_once_not_found()
    experiment = options.experiment
    if experiment is None and notebook is not None and not os.environ.get(
            "JUPYTER_MLOPS_EXPERIMENT"):
        experiment = notebook.stem
    run = start_run(name=options.name, experiment=experiment, tags=options.tags or None,
                    nested=nested or options.nested)
    run.set_source(source)
    papermill = papermill_info.detect(shell)
    if papermill is not None:
        _record_papermill(run, papermill)
    if notebook is not None:
        _record_notebook(run, notebook)
    return run


def _record_papermill(run: ActiveRun, info: papermill_info.PapermillInfo) -> None:
    log_params_leniently(run, info.parameters)
    tags = {"papermill.input_path": info.input_path, "papermill.output_path": info.output_path}
    run.set_tags({key: value for key, value in tags.items() if value})


def _record_notebook(run: ActiveRun, notebook: Path) -> None:
    try:
        if notebook.stat().st_size <= MAX_SNAPSHOT_BYTES:
            run.log_artifact(notebook, "notebook")
        else:
            run.set_tag("mlops.notebook.snapshot", "skipped: larger than 50 MiB")
    except (OSError, MlopsError) as exc:
        run.set_tag("mlops.notebook.snapshot", f"failed: {exc}")
    track = current()
    if not track.settings.capture_git:
        return
    repo = capture.git_root(notebook.parent)
    if repo is None or repo == capture.git_root(track.store.workspace.root.resolve()):
        return  # start_run already recorded this repository's state
    # The notebook lives in another repository than the workspace: record that one too.
    diff: list[bytes] = []
    state = capture.git_state(notebook.parent, store_diff=lambda data: diff.append(data) or "")
    if state is None:
        return
    run.set_tags({
        "mlops.notebook.git.commit": state.commit,
        "mlops.notebook.git.branch": state.branch or "",
        "mlops.notebook.git.dirty": str(state.dirty).lower(),
        **({"mlops.notebook.git.remote": state.remote} if state.remote else {}),
    })
    if diff:
        run.log_bytes(diff[0], "notebook/git.diff")


def log_params_leniently(run: ActiveRun, params: dict[str, Any]) -> None:
    """Log params one by one so that one clash with an earlier value loses only that one."""
    clean = {key: autolog_support.param_text(value) for key, value in params.items()}
    try:
        run.log_params(clean)
        return
    except MlopsError:
        pass
    for key, value in clean.items():
        try:
            run.log_param(key, value)
        except MlopsError as exc:
            print(f"jupyter-mlops: param {key!r} not logged: {exc}", file=sys.stderr)


def record_variables(shell: Any, run: ActiveRun, names: list[str]) -> None:
    """Log the current values of the ``-p`` variables as params; missing ones are named."""
    if not names:
        return
    found = {name: shell.user_ns[name] for name in names if name in shell.user_ns}
    missing = [name for name in names if name not in shell.user_ns]
    if missing:
        print(f"jupyter-mlops: -p names no variable {', '.join(missing)}; not logged.",
              file=sys.stderr)
    log_params_leniently(run, found)


def finish(
    shell: Any,
    run: ActiveRun,
    options: TrackOptions,
    error: BaseException | None = None,
) -> None:
    """End the run: FINISHED, FAILED with ``error``'s traceback, or KILLED on an interrupt."""
    try:
        record_variables(shell, run, options.params)
    except MlopsError as exc:  # the run must still end, with the status the cell earned
        print(f"jupyter-mlops: {exc}", file=sys.stderr)
    if error is None:
        run.end(RunStatus.FINISHED)
    elif isinstance(error, KeyboardInterrupt):
        run.end(RunStatus.KILLED, "KeyboardInterrupt")
    else:
        run.end(RunStatus.FAILED, user_traceback(error))


def user_traceback(error: BaseException) -> str:
    """The traceback text of ``error`` without the frames of this package's magic."""
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))
