"""Pipeline runs started from the lab: the CLI's runner in a child process, watched live.

The child runs ``run_pipeline`` (the runner ``jupyter mlops pipeline run`` uses) and appends
each progress event as one JSON line to a file; the server reads that file to answer status
requests. A child process, not a thread, so a kernel that hangs or a step that exhausts memory
never takes the Jupyter server with it, and the run keeps its own session and writer.

Run as ``python -m jupyter_mlops.pipeline.live EVENTS PIPELINE [--force]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Conflict, NotFound

# The newest this many jobs are remembered; older finished ones are forgotten.
MAX_JOBS = 100
LOG_TAIL = 4000


@dataclass
class Job:
    """One pipeline run started by the server."""

    id: str
    path: str
    root: Path
    file: Path
    events: Path
    log: Path
    process: subprocess.Popen[bytes]
    started_at: float
    force: bool = False
    finished_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def _spawn(file: Path, events: Path, log: Path, force: bool) -> subprocess.Popen[bytes]:
    from ..session import current

    workspace = current().store.workspace
    env = dict(os.environ, JUPYTER_MLOPS_URI=workspace.uri,
               JUPYTER_MLOPS_ARTIFACTS=workspace.artifacts)
    args = [sys.executable, "-m", "jupyter_mlops.pipeline.live", str(events), str(file)]
    if force:
        args.append("--force")
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=file.parent, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def start_pipeline_run(root: str | os.PathLike[str], path: str,
                       force: bool = False) -> dict[str, Any]:
    """Start running the pipeline file ``path`` (relative to ``root``) in a child process.

    Parameters
    ----------
    root:
        The server's root folder.
    path:
        The pipeline file, relative to ``root``.
    force:
        Run every step even when cached.

    Returns
    -------
    dict
        The job's status (see ``pipeline_run_status``); the file is checked first, so a
        pipeline with problems raises ``SpecError`` and nothing starts.
    """
    from .spec import load_pipeline
    from .view import relative, resolve_pipeline

    file = resolve_pipeline(root, path)
    load_pipeline(file)  # every problem of the file, before a process starts
    shown = relative(root, file) or path
    with _lock:
        busy = [j for j in _jobs.values() if j.file == file and j.process.poll() is None]
        if busy:
            raise Conflict(f"{shown} is already running (job {busy[0].id}); wait for it or "
                           "open its view to watch it.")
        folder = Path(tempfile.mkdtemp(prefix="mlops-pipeline-"))
        events, log = folder / "events.jsonl", folder / "output.log"
        events.touch()
        job = Job(uuid.uuid4().hex, shown, Path(root).resolve(), file, events, log,
                  _spawn(file, events, log, force), time.time(), force)
        _jobs[job.id] = job
        _forget_old()
    return pipeline_run_status(job.id)


def _forget_old() -> None:
    done = sorted((j for j in _jobs.values() if j.process.poll() is not None),
                  key=lambda j: j.started_at)
    while len(_jobs) > MAX_JOBS and done:
        del _jobs[done.pop(0).id]


def read_events(path: Path) -> list[dict[str, Any]]:
    """The JSON lines written so far; a line still being written is left for the next read."""
    events = []
    with path.open("r", encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def step_states(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each step's state from the events: running (with its cell), then how it ended."""
    steps: dict[str, dict[str, Any]] = {}
    for event in events:
        name = event.get("step")
        if not name:
            continue
        entry = steps.setdefault(name, {"state": "running", "cell": 0, "cells": 0,
                                        "run_id": None, "reason": "", "notebook": None})
        if event["kind"] == "start":
            entry.update(state="running", reason=event.get("reason", ""))
        elif event["kind"] == "cell":
            entry.update(state="running", cell=event.get("cell", 0),
                         cells=event.get("cells", 0))
        elif event["kind"] == "done":
            entry.update(state=event.get("state", "ran"), run_id=event.get("run_id"),
                         reason=event.get("reason", ""), error=event.get("error"),
                         notebook=event.get("notebook"), duration=event.get("duration"))
    return steps


def pipeline_run_status(job_id: str) -> dict[str, Any]:
    """Where a started run is: running or done, each step's state, the run id at the end.

    Returns
    -------
    dict
        ``{"id", "path", "state": running|finished|failed, "returncode", "started_at",
        "run_id", "status", "error", "steps": {step: {"state", "cell", "cells", "run_id",
        "reason", "notebook"}}, "output"}``; ``output`` is the end of the child's output
        once it failed.
    """
    job = _jobs.get(job_id)
    if job is None:
        raise NotFound(f"No pipeline run job {job_id!r} on this server (jobs are forgotten "
                       "when the server restarts); open the pipeline to see its last run.")
    code = job.process.poll()
    events = read_events(job.events)
    result = next((e for e in reversed(events) if e.get("kind") in ("result", "error")), None)
    state = "running" if code is None else "finished" if code == 0 and result and \
        result.get("kind") == "result" else "failed"
    steps = step_states(events)
    for entry in steps.values():
        if entry.get("notebook"):
            # The child writes absolute paths; the lab opens them relative to its root.
            entry["notebook"] = _relative_to_server(entry["notebook"], job)
    output = ""
    if state == "failed":
        output = job.log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL:]
    return {"id": job.id, "path": job.path, "state": state, "returncode": code,
            "started_at": job.started_at, "force": job.force,
            "run_id": result.get("run_id") if result else None,
            "status": result.get("status") if result else None,
            "error": result.get("message") if result and result.get("kind") == "error"
            else None, "steps": steps, "output": output}


def _relative_to_server(notebook: str, job: Job) -> str | None:
    target = Path(notebook)
    if not target.is_absolute():
        target = job.file.parent / target
    try:
        return target.resolve().relative_to(job.root).as_posix()
    except ValueError:
        return None


def list_pipeline_runs(root: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The jobs started for pipelines under ``root``, newest first (without their steps)."""
    base = Path(root).resolve()
    jobs = sorted((j for j in list(_jobs.values()) if j.root == base),
                  key=lambda j: j.started_at, reverse=True)
    return [{k: v for k, v in pipeline_run_status(j.id).items() if k not in ("steps", "output")}
            for j in jobs]


def _main(argv: list[str]) -> int:
    from .runner import run_pipeline

    events, file = Path(argv[0]), argv[1]
    force = "--force" in argv[2:]
    lock = threading.Lock()

    def write(record: dict[str, Any]) -> None:
        line = json.dumps(record, default=str) + "\n"
        with lock, events.open("a", encoding="utf-8") as handle:
            handle.write(line)

    def on_event(event: Any) -> None:
        record: dict[str, Any] = {"kind": event.kind, "step": event.step, "time": time.time(),
                                  "reason": event.reason}
        if event.kind == "cell":
            record.update(cell=event.cell, cells=event.cells)
        outcome = event.outcome
        if outcome is not None:
            record.update(state=outcome.state, run_id=outcome.run_id,
                          duration=outcome.duration, reason=outcome.reason,
                          error=(outcome.failure.summary() if outcome.failure
                                 else outcome.error),
                          notebook=str(outcome.notebook) if outcome.notebook else None)
        write(record)

    try:
        result = run_pipeline(file, force=force, on_event=on_event)
    except Exception as exc:  # reported to the view as one line; the log keeps the rest
        write({"kind": "error", "message": f"{type(exc).__name__}: {exc}"})
        raise
    write({"kind": "result", "run_id": result.run_id, "status": result.status.value})
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
