"""``reproduce(run_id)``: run a tracked notebook again, as it was, and compare.

The run's notebook snapshot (the executed notebook a pipeline step, the ``mlops`` papermill
engine or a notebook capture stored as an ``.ipynb`` artifact) is executed in a fresh kernel, in
a scratch folder holding the data versions the run read (its stored inputs; upstream outputs
come back through ``upstream()``), with the params it recorded, against a scratch workspace
seeded with what it reads (``store/seed.py``), so that nothing it does (register a model, move
an alias, version data) reaches the shared one. The outcome is recorded in the shared workspace
as one new run tagged ``mlops.reproduces``. The result sets the metrics side by side (equal
within a tolerance, or the differences) and the environment (python, platform, package versions
then and now).
"""

from __future__ import annotations

import ast
import json
import math
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, NotFound
from ..records import Environment, Run, RunStatus, Source
from .execution import CellFailure

if TYPE_CHECKING:
    from ..records import Artifact

REPRODUCES_TAG = "mlops.reproduces"


@dataclass(frozen=True)
class MetricComparison:
    """One metric then and now; ``equal`` within the tolerance (NaN equals NaN)."""

    key: str
    then: float | None
    now: float | None
    equal: bool
    timing: bool = False


@dataclass(frozen=True)
class PackageChange:
    """A package whose version differs between the two environments (None: not installed)."""

    name: str
    then: str | None
    now: str | None


@dataclass
class Reproduction:
    """The outcome of a reproduction: the new run, metrics and environment side by side."""

    original_id: str
    run_id: str
    status: RunStatus
    tolerance: float
    metrics: list[MetricComparison] = field(default_factory=list)
    python: tuple[str | None, str] = (None, "")
    platform: tuple[str | None, str] = (None, "")
    packages: list[PackageChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failure: CellFailure | None = None

    @property
    def ok(self) -> bool:
        """Whether it ran to the end and every metric matched."""
        return self.status is RunStatus.FINISHED and all(
            m.equal or m.timing for m in self.metrics)

    def __str__(self) -> str:
        lines = [f"Reproduction of run {self.original_id} as run {self.run_id}: "
                 f"{self.status.value}" + (" - metrics match" if self.ok else "")]
        if self.failure is not None:
            lines.append(self.failure.render("reproduction"))
        if self.metrics:
            width = max(len(m.key) for m in self.metrics)
            lines.append(f"\n{'metric':<{width}}  {'then':>14}  {'now':>14}  ")
            for m in self.metrics:
                mark = "=" if m.equal else "~ (timing)" if m.timing else "≠"
                lines.append(f"{m.key:<{width}}  {_num(m.then):>14}  {_num(m.now):>14}  {mark}")
        lines.append(f"\npython    {self.python[0] or '?'} -> {self.python[1]}"
                     if self.python[0] != self.python[1] else f"\npython    {self.python[1]}")
        if self.packages:
            width = max(len(p.name) for p in self.packages)
            lines.append(f"{len(self.packages)} package(s) changed:")
            for p in self.packages:
                lines.append(f"  {p.name:<{width}}  {p.then or '-':>12} -> {p.now or '-'}")
        else:
            lines.append("packages  unchanged")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.8g}"


def reproduce(run_id: str, tolerance: float = 1e-6, kernel_name: str | None = None,
              keep: str | None = None) -> Reproduction:
    """Re-execute a tracked run's notebook with its params and data versions, and compare.

    Parameters
    ----------
    run_id:
        The run to reproduce (a unique part of its id will do).
    tolerance:
        Relative and absolute tolerance under which two metric values are equal.
    kernel_name:
        The kernel to use; default: the one recorded in the notebook.
    keep:
        A folder to keep the scratch folder's files in (the executed notebook and what it
        wrote); default: they are removed.

    Returns
    -------
    Reproduction
        Prints as a side-by-side of metrics and environments.
    """
    from ..session import current
    from ..tracking import capture
    from ..tracking.run import ATTACH_ENV, start_run
    from .execution import StepTask, execute_step
    from .runner import EXECUTED_PREFIX, INPUTS_PREFIX, UPSTREAM_TAG
    from .upstream import UPSTREAM_ENV

    track = current()
    original = track.store.runs.get(track.store.runs.resolve_id(run_id))
    if original.status is RunStatus.RUNNING:
        raise Conflict(f"Run {original.id} is still running; reproduce it once it has ended.")
    if original.source is not None and original.source.type == "notebook" and \
            original.source.cell and original.parent_id is None:
        return _replay_tracked_cell(original, tolerance, kernel_name, keep)
    snapshot = _snapshot(original, EXECUTED_PREFIX)
    text = track.store.artifacts.get_bytes(snapshot.digest).decode("utf-8")
    nb = json.loads(text)
    params = _params(original, nb)
    scratch = Path(tempfile.mkdtemp(prefix="mlops-reproduce-"))
    notes: list[str] = []
    try:
        for artifact in original.artifacts:
            if artifact.path.startswith(INPUTS_PREFIX + "/"):
                track.store.artifacts.get_file(artifact.digest,
                                               scratch / artifact.path[len(INPUTS_PREFIX) + 1:])
        if UPSTREAM_TAG not in original.tags:
            notes += _unstored_inputs(original, INPUTS_PREFIX)
        notebook = scratch / ".mlops-reproduce" / Path(snapshot.path).name
        notebook.parent.mkdir(parents=True)
        notebook.write_text(text, encoding="utf-8")
        target, attached = _scratch_store(track.store, original, scratch)
        shared = track.store.workspace
        # The step runs against the scratch workspace: whatever it registers, aliases, versions
        # or saves stays there. Blobs go to the shared artifact store (write-once, by digest),
        # so the data versions and upstream outputs it reads are found without copying them.
        # Nobody else sees the scratch run, so no reaper may judge its heartbeat stale.
        env = {ATTACH_ENV: attached, "JUPYTER_MLOPS_URI": target.workspace.uri,
               "JUPYTER_MLOPS_ARTIFACTS": shared.artifacts, "JUPYTER_MLOPS_DEAD_AFTER": "1e9"}
        if UPSTREAM_TAG in original.tags:
            env[UPSTREAM_ENV] = original.tags[UPSTREAM_TAG]
        if params:
            target.runs.log_params(attached, {k: str(v) for k, v in params.items()})
        result = execute_step(StepTask(
            step=original.name, notebook=str(notebook), parameters=params, env=env,
            token=attached, kernel_name=kernel_name, cwd=str(scratch),
            output_path=str(scratch / ".mlops-reproduce" / "executed.ipynb")))
        produced = target.runs.get(attached)
        target.engine.dispose()
        if keep is not None:
            shutil.copytree(scratch, keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    run = start_run(name=f"reproduce-{original.name}", experiment=original.experiment,
                    tags={REPRODUCES_TAG: original.id})
    run.set_source(Source("reproduce", path=snapshot.path))
    if params:
        run.log_params(params)
    if produced.metrics:
        run.log_metrics(dict(produced.metrics))
    if result.notebook is not None:
        run.log_bytes(result.notebook.encode("utf-8"),
                      f"{EXECUTED_PREFIX}/{Path(snapshot.path).name}")
    status = RunStatus.FINISHED if result.ok else RunStatus.FAILED
    run.end(status, result.failure.summary() if result.failure else result.error)
    now_env = capture.environment(with_packages=True)
    then_env = (track.store.runs.environment(original.environment_digest)
                if original.environment_digest else None)
    return Reproduction(
        original_id=original.id, run_id=run.id, status=status, tolerance=tolerance,
        metrics=compare_metrics(original.metrics, dict(produced.metrics), tolerance),
        python=(then_env.python if then_env else None, now_env.python),
        platform=(then_env.platform if then_env else None, now_env.platform),
        packages=compare_packages(then_env, now_env), notes=notes, failure=result.failure,
    )


def _scratch_store(shared: Any, original: Run, scratch: Path) -> tuple[Any, str]:
    """A SQLite workspace in ``scratch`` seeded with what the step reads of the shared one
    (its upstream steps' runs, the data versions it read, the registry), and the id of a
    RUNNING run there for the step's kernel to attach to."""
    import os
    import time

    from ..config import resolve_workspace
    from ..store import Store
    from ..store.seed import seed
    from ..tracking.ids import new_run_id
    from .runner import UPSTREAM_TAG

    (scratch / ".mlops").mkdir(exist_ok=True)
    workspace = resolve_workspace(scratch, uri=f"sqlite:///{scratch / '.mlops' / 'mlops.db'}",
                                  artifacts=shared.workspace.artifacts)
    target = Store.open(workspace, cache=False)
    upstream_runs: list[str] = []
    if UPSTREAM_TAG in original.tags:
        try:
            described = json.loads(original.tags[UPSTREAM_TAG])
        except ValueError:
            described = {}
        upstream_runs = [entry["run_id"] for entry in described.values()
                         if isinstance(entry, dict) and entry.get("run_id")]
    datasets = [link.ref for link in original.lineage
                if link.direction == "input" and link.kind == "dataset"]
    seed(shared.engine, target.engine, runs=upstream_runs, datasets=datasets)
    attached = new_run_id()
    target.runs.create(attached, original.experiment, original.name, time.time(),
                       source=Source("reproduce", path=original.source.path
                                     if original.source else None),
                       host=None, pid=os.getpid(), tags={REPRODUCES_TAG: original.id})
    return target, attached


def _replay_tracked_cell(original: Run, tolerance: float, kernel_name: str | None,
                         keep: str | None) -> Reproduction:
    """A ``%%mlops_track`` run: the cells before it and the tracked cell, as captured then,
    executed in a scratch workspace, so that nothing the cells do (register, alias, save a
    report, version data) reaches the shared one. The runs the cell produced there (nested
    included) are compared with the original's; the outcome is recorded here as one run."""
    from ..config import resolve_workspace
    from ..session import current
    from ..store import Store
    from ..tracking import capture
    from ..tracking.run import start_run
    from .execution import StepTask, execute_step

    track = current()
    snapshot = _snapshot(original, "notebook")
    nb = json.loads(track.store.artifacts.get_bytes(snapshot.digest).decode("utf-8"))
    nb["cells"] = _cells_until(original, nb)
    # Params of a tracked cell are what it logged (autolog's), not notebook parameters.
    nb.setdefault("metadata", {}).pop("papermill", None)
    if kernel_name is None and not nb["metadata"].get("kernelspec", {}).get("name"):
        kernel_name = "python3"  # a notebook saved before its kernel was chosen: the default
    scratch = Path(tempfile.mkdtemp(prefix="mlops-reproduce-"))
    try:
        (scratch / ".mlops").mkdir()
        workspace = resolve_workspace(scratch, uri=f"sqlite:///{scratch / '.mlops' / 'mlops.db'}",
                                      artifacts=str(scratch / ".mlops" / "artifacts"))
        notebook = scratch / Path(snapshot.path).name
        notebook.write_text(json.dumps(nb), encoding="utf-8")
        env = {"JUPYTER_MLOPS_URI": workspace.uri, "JUPYTER_MLOPS_ARTIFACTS": workspace.artifacts,
               "JUPYTER_MLOPS_NOTEBOOK": str(notebook), "JUPYTER_MLOPS_RUN_ID": ""}
        result = execute_step(StepTask(
            step=original.name, notebook=str(notebook), parameters={}, env=env,
            token=f"reproduce-{original.id}", kernel_name=kernel_name, cwd=str(scratch),
            output_path=str(scratch / ".mlops-reproduce" / "executed.ipynb")))
        produced, nested = _produced(Store.open(workspace, cache=False), original)
        if keep is not None:
            shutil.copytree(scratch, keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    then_children = {c.name: c for c in _children(track.store, original)}
    metrics = compare_metrics(original.metrics, produced.metrics if produced else {}, tolerance)
    for name, child in sorted(then_children.items()):
        metrics += compare_metrics({f"{name}/{k}": v for k, v in child.metrics.items()},
                                   {f"{name}/{k}": v for k, v in nested.get(name, {}).items()},
                                   tolerance)
    ok = result.ok and produced is not None and produced.status is RunStatus.FINISHED
    notes = [result.error] if result.error else []
    if produced is None and result.ok:
        notes.append(f"the replayed cells produced no run named {original.name!r}")
    run = start_run(name=f"reproduce-{original.name}", experiment=original.experiment,
                    tags={REPRODUCES_TAG: original.id})
    run.set_source(Source("reproduce", path=original.source.path if original.source else None))
    if produced is not None and produced.metrics:
        run.log_metrics(produced.metrics)
    if result.notebook is not None:
        run.log_bytes(result.notebook.encode("utf-8"), f"executed/{Path(snapshot.path).name}")
    status = RunStatus.FINISHED if ok else RunStatus.FAILED
    run.end(status, result.failure.summary() if result.failure else
            (result.error or (notes[0] if notes else None)))
    now_env = capture.environment(with_packages=True)
    then_env = (track.store.runs.environment(original.environment_digest)
                if original.environment_digest else None)
    return Reproduction(
        original_id=original.id, run_id=run.id, status=status, tolerance=tolerance,
        metrics=metrics, python=(then_env.python if then_env else None, now_env.python),
        platform=(then_env.platform if then_env else None, now_env.platform),
        packages=compare_packages(then_env, now_env), notes=notes, failure=result.failure)


def _cells_until(run: Run, nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's code cells before the tracked one, then the tracked cell as it ran."""
    assert run.source is not None and run.source.cell is not None
    wanted = run.source.cell.strip()
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    texts = ["".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source"))
             for c in code]
    matches = [i for i, text in enumerate(texts) if text.strip() == wanted]
    if not matches:
        raise NotFound(
            f"Run {run.id}'s notebook snapshot does not hold the tracked cell (it was edited "
            "before the notebook was saved); save the notebook and track the cell again.")
    cells = []
    for number, cell in enumerate([*code[:matches[-1]], {"source": run.source.cell}]):
        cells.append({"id": f"replay-{number}", "cell_type": "code", "metadata": {},
                      "outputs": [],
                      "execution_count": None, "source": cell["source"]})
    return cells


def _children(store: Any, run: Run) -> list[Run]:
    found = store.search(experiments=None, filter=f"parent_id = '{run.id}'", order_by=[],
                         max_results=None, offset=0, deleted=False)
    return list(found)


def _produced(store: Any, original: Run) -> tuple[Run | None, dict[str, dict[str, float]]]:
    """The top-level run named as the original in the scratch store, and its children's
    metrics by name."""
    runs = store.search(experiments=None, filter=None, order_by=[], max_results=None,
                        offset=0, deleted=False)
    tops = [r for r in runs if r.parent_id is None and r.name == original.name]
    if not tops:
        return None, {}
    top = tops[0]
    return top, {r.name: dict(r.metrics) for r in runs if r.parent_id == top.id}


def _snapshot(run: Run, executed_prefix: str) -> Artifact:
    notebooks = [a for a in run.artifacts if a.path.endswith(".ipynb")]
    if not notebooks:
        raise NotFound(
            f"Run {run.id} has no notebook snapshot (.ipynb artifact) to re-execute. Runs of "
            "`jupyter mlops pipeline run`, of `papermill --engine mlops` and notebook captures "
            "that store the notebook can be reproduced.")
    executed = [a for a in notebooks if a.path.startswith(executed_prefix + "/")]
    return (executed or notebooks)[0]


def _params(run: Run, nb: dict[str, Any]) -> dict[str, Any]:
    """The params to inject: papermill's typed record in the snapshot, else the run's params
    read back as Python literals where they are ones (params are stored as text)."""
    recorded = nb.get("metadata", {}).get("papermill", {}).get("parameters")
    if isinstance(recorded, dict) and recorded:
        return dict(recorded)
    params: dict[str, Any] = {}
    for key, text in run.params.items():
        try:
            params[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            try:
                params[key] = json.loads(text)
            except ValueError:
                params[key] = text
    return params


def _unstored_inputs(run: Run, prefix: str) -> list[str]:
    stored = {a.path for a in run.artifacts}
    notes = []
    for link in run.lineage:
        if link.direction != "input" or link.kind not in ("file", "folder"):
            continue
        path = link.ref.rpartition("@")[0]
        if not any(p == f"{prefix}/{path}" or p.startswith(f"{prefix}/{path}/") for p in stored):
            notes.append(f"input {path} was not stored with the run; the notebook read "
                         "whatever is at that path now.")
    return notes


def compare_metrics(then: dict[str, float], now: dict[str, float],
                    tolerance: float) -> list[MetricComparison]:
    """Each metric of either run, with whether both values agree within ``tolerance``."""
    rows = []
    for key in sorted(set(then) | set(now)):
        a, b = then.get(key), now.get(key)
        if a is None or b is None:
            equal = False
        elif math.isnan(a) or math.isnan(b):
            equal = math.isnan(a) and math.isnan(b)
        else:
            equal = math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)
        rows.append(MetricComparison(key, a, b, equal, timing=is_timing(key)))
    return rows


def is_timing(key: str) -> bool:
    """Whether a metric measures time (``fit_time``, ``duration``): shown, never compared."""
    return bool(_TIMING.search(key.rpartition("/")[2]))


_TIMING = re.compile(r"(^|_)(time|seconds|secs|duration|latency)$")


def compare_packages(then: Environment | None, now: Environment) -> list[PackageChange]:
    """The packages whose versions differ (or that exist in only one environment)."""
    if then is None or not then.packages:
        return []
    changes = []
    for name in sorted(set(then.packages) | set(now.packages)):
        a, b = then.packages.get(name), now.packages.get(name)
        if a != b:
            changes.append(PackageChange(name, a, b))
    return changes
