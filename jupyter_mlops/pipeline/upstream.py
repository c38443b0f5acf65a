"""``mlops.upstream("prepare")``: what an upstream step left for this one, without paths by hand.

Inside a step the runner describes the steps it needs in ``JUPYTER_MLOPS_UPSTREAM`` (their run,
output digests and params). Outputs are returned as local paths: the file already on disk when
its content matches, else a copy fetched from the artifact store (on a Dask worker, or after
the file changed). Outside a pipeline, in a notebook under development, the newest finished
run of that step is used instead.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NotFound

UPSTREAM_ENV = "JUPYTER_MLOPS_UPSTREAM"


@dataclass(frozen=True)
class Upstream:
    """An upstream step's outputs (local paths), params and metrics."""

    step: str
    run_id: str | None
    outputs: dict[str, Path] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Path:
        """An output by its declared path, file name or stem, or a file inside a folder output.

        ``up["data/train.parquet"]``, ``up["train.parquet"]`` and ``up["train"]`` find the same
        output; ``up["train.csv"]`` also finds ``train.csv`` inside an output folder.
        """
        if name in self.outputs:
            return self.outputs[name]
        for declared, path in self.outputs.items():
            pure = Path(declared)
            if name in (pure.name, pure.stem):
                return path
        for path in self.outputs.values():
            if path.is_dir():
                inside = path / name
                if inside.exists():
                    return inside
                found = sorted(path.rglob(Path(name).name))
                if len(found) == 1:
                    return found[0]
        raise NotFound(f"Step {self.step!r} has no output {name!r}; its outputs: "
                       f"{', '.join(self.outputs) or 'none'}.")

    def __repr__(self) -> str:
        return (f"Upstream({self.step!r}, run={self.run_id}, outputs={list(self.outputs)}, "
                f"params={self.params}, metrics={self.metrics})")


def upstream(step: str, cwd: str | os.PathLike[str] | None = None) -> Upstream:
    """The outputs and logged values of step ``step`` that this step needs.

    Parameters
    ----------
    step:
        The upstream step's name, as in ``pipeline.yaml``.
    cwd:
        The folder output paths are relative to; default: the current one (a step's kernel
        runs in the pipeline's folder).

    Returns
    -------
    Upstream
        ``outputs`` maps each declared output to a local path; ``up["train.parquet"]`` finds
        one by name; ``params`` and ``metrics`` are the step's.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    described = _from_environment(step)
    if described is None:
        described = _from_store(step)
    run_id, outputs, params = described
    metrics: dict[str, float] = {}
    if run_id is not None:
        from ..tracking.queries import get_run

        record = get_run(run_id)
        metrics = dict(record.metrics)
        if not params:
            params = dict(record.params)
    local = {declared: _materialise(base, declared, digest, run_id)
             for declared, digest in outputs.items()}
    return Upstream(step, run_id, local, params, metrics)


def _from_environment(step: str) -> tuple[str | None, dict[str, str], dict[str, Any]] | None:
    text = os.environ.get(UPSTREAM_ENV)
    if not text:
        return None
    try:
        described = json.loads(text)
    except ValueError:
        return None
    if step not in described:
        known = ", ".join(described) or "none"
        raise NotFound(f"This step does not need step {step!r}; the steps it needs: {known}. "
                       "Add it to `needs:` in pipeline.yaml.")
    entry = described[step]
    return entry.get("run_id"), dict(entry.get("outputs") or {}), dict(entry.get("params") or {})


def _from_store(step: str) -> tuple[str | None, dict[str, str], dict[str, Any]]:
    from ..tracking.queries import search_runs
    from .cache import KEY_TAG, STEP_TAG, full_record, recorded_outputs

    found = search_runs(filter=f"tags.`{STEP_TAG}` = '{step}' and tags.`{KEY_TAG}` is not null "
                               "and status = 'FINISHED'",
                        order_by=["start_time DESC"], max_results=1)
    if not found:
        raise NotFound(f"No finished run of step {step!r}: run the pipeline (or that step) "
                       "with `jupyter mlops pipeline run` first.")
    return found[0].id, recorded_outputs(full_record(found[0].id)), {}


def _materialise(base: Path, declared: str, digest: str, run_id: str | None) -> Path:
    from .cache import OUTPUTS_PREFIX, digest_path

    target = base / declared
    if digest_path(target) == digest:
        return target
    if run_id is None:
        raise NotFound(f"Output {declared} is missing or changed and no run recorded it: "
                       "run the upstream step again.")
    from ..tracking.artifacts import copy_artifact, list_artifacts

    prefix = f"{OUTPUTS_PREFIX}/{declared}"
    files = [a for a in list_artifacts(run_id) if a.path == prefix
             or a.path.startswith(prefix + "/")]
    if not files:
        raise NotFound(f"Output {declared} of run {run_id} is not on this disk and was not "
                       "stored as an artifact: run the upstream step again here.")
    for artifact in files:
        copy_artifact(artifact, base / artifact.path[len(OUTPUTS_PREFIX) + 1:])
    return target
