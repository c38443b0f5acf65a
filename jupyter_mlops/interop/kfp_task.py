"""The step runner of a compiled KFP pipeline: ``python -m jupyter_mlops.interop.kfp_task``.

Run as the command of each step's container (see ``interop/kfp.py``). It puts the outputs of
the steps it needs where the pipeline expects them (KFP hands them over as input artifacts),
runs the one step as ``jupyter mlops pipeline run --only STEP`` would (papermill, tracked in
the store named by ``JUPYTER_MLOPS_URI``, cached by our key), then copies the step's outputs
to the paths KFP collects as output artifacts. A failing step exits 1 with its failing cell
printed, so KFP marks the task failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_TYPES = {"NUMBER_INTEGER", "NUMBER_DOUBLE", "BOOLEAN", "STRING", "LIST", "STRUCT"}


def typed(kind: str, text: str) -> Any:
    """A parameter's value from the text KFP put in its placeholder, by its KFP type."""
    if kind == "STRING":
        return text
    if kind == "NUMBER_INTEGER":
        return int(float(text))  # KFP may render integers as 42.0
    if kind == "NUMBER_DOUBLE":
        return float(text)
    return json.loads(text)  # BOOLEAN, LIST, STRUCT: KFP renders them as JSON


def place(source: Path, target: Path) -> None:
    """Copy a file or a folder to ``target``, replacing what was there."""
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist")
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jupyter_mlops.interop.kfp_task",
                                     description="Run one step of a pipeline in a KFP task.")
    parser.add_argument("--pipeline", required=True, help="pipeline.yaml inside the image")
    parser.add_argument("--step", required=True)
    parser.add_argument("--param", nargs=3, action="append", default=[],
                        metavar=("NAME", "TYPE", "VALUE"))
    parser.add_argument("--input", nargs=2, action="append", default=[],
                        metavar=("PATH", "ARTIFACT_PATH"),
                        help="an upstream step's output, from its KFP artifact")
    parser.add_argument("--output", nargs=4, action="append", default=[],
                        metavar=("PATH", "KEY", "ARTIFACT_PATH", "ARTIFACT_URI"),
                        help="this step's output, to its KFP artifact")
    parser.add_argument("--executor-output", metavar="FILE",
                        help="where KFP reads the task's ExecutorOutput (its artifacts)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the step; return the process's exit status."""
    args = _parser().parse_args(argv)
    pipeline_file = Path(args.pipeline).resolve()
    root = pipeline_file.parent
    # The workspace walk-up and the pipeline's relative paths start from the project's folder.
    os.chdir(root)
    overrides: dict[str, Any] = {}
    for name, kind, text in args.param:
        if kind not in _TYPES:
            print(f"Unknown KFP parameter type {kind!r} for {name}.", file=sys.stderr)
            return 2
        overrides[f"{args.step}.{name}"] = typed(kind, text)
    for relative, artifact in args.input:
        place(Path(artifact), root / relative)
    from ..errors import MlopsError
    from ..pipeline.runner import run_pipeline

    try:
        result = run_pipeline(pipeline_file, params=overrides, only=[args.step])
    except MlopsError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    for outcome in result.steps:
        print(f"step {outcome.step}: {outcome.state} (run {outcome.run_id})"
              + (f": {outcome.reason}" if outcome.reason else ""))
        if outcome.state == "failed":
            print(outcome.failure.render(outcome.step) if outcome.failure else
                  f"Step '{outcome.step}' failed: {outcome.error}", file=sys.stderr)
    if not result.ok:
        return 1
    run_id = next((o.run_id for o in result.steps if o.step == args.step), None)
    made: dict[str, Any] = {}
    for relative, key, artifact, uri in args.output:
        place(root / relative, Path(artifact))
        made[key] = {"artifacts": [{"uri": uri, "metadata": {
            "mlops.path": relative, "mlops.run_id": run_id or ""}}]}
    if args.executor_output:
        target = Path(args.executor_output)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"artifacts": made}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
