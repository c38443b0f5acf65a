"""The demo: the example pipeline end to end on the embedded SQLite workspace, then a summary.

Runs ``pipeline.yaml`` next to this file (prepare the breast-cancer data scikit-learn ships,
train two candidate models at once, register and promote the better one, check a shifted batch
for drift) with the pipeline runner, two steps at a time. The runs, data versions, the model
and the drift report land in the workspace of the current folder (``.mlops/`` at the
repository root for ``scripts/demo``). A second run finds every step cached and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import jupyter_mlops as mlops
from jupyter_mlops.pipeline.outcome import Event, PipelineResult

HERE = Path(__file__).resolve().parent
PIPELINE = HERE / "pipeline.yaml"
MODEL = "breast-cancer"
ALIAS = "champion"


def show_progress(event: Event) -> None:
    """Print one line when a step starts and one when it ends (cell events are skipped)."""
    if event.kind == "start":
        print(f"  {event.step:<13} running ({event.reason})", flush=True)
    elif event.kind == "done" and event.outcome is not None:
        outcome = event.outcome
        if outcome.state == "ran":
            detail = f"{outcome.duration:.1f} s"
        elif outcome.state == "failed" and outcome.failure is not None:
            detail = outcome.failure.summary()
        else:
            detail = outcome.reason or outcome.error or ""
        print(f"  {event.step:<13} {outcome.state:<8} {detail}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The demo's options: how many steps at once, and whether to ignore the cache."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="steps run at once (default 2)")
    parser.add_argument("--force", action="store_true", help="run every step, even cached ones")
    return parser.parse_args(argv)


def read_report(name: str) -> dict[str, Any]:
    """A JSON report a step wrote next to the pipeline (an output the cache keeps intact)."""
    return json.loads((HERE / "reports" / name).read_text(encoding="utf-8"))


def lab_command(workspace: Path) -> str:
    """The command that opens JupyterLab, whose sidebar shows ``workspace``."""
    jupyter = Path(sys.executable).parent / "jupyter"
    here = Path.cwd().resolve()
    # Relative (`.venv/bin/jupyter lab`) when run from the repository root, as scripts/demo does.
    shown = os.path.relpath(jupyter, here) if jupyter.is_relative_to(here) else str(jupyter)
    command = f"{shown} lab"
    return command if workspace.resolve() == here else f"cd {workspace} && {command}"


def summarize(result: PipelineResult) -> str:
    """What the pipeline produced: runs, the model and its alias, the drift verdict, the cache."""
    states = result.states()
    cached = [step for step, state in states.items() if state == "cached"]
    ran = [step for step, state in states.items() if state == "ran"]
    info = mlops.info()
    evaluation = read_report("evaluation.json")
    drift = read_report("drift.json")
    registered = mlops.models()
    row = registered[registered["name"] == MODEL].iloc[0]
    champion = dict(row["aliases"]).get(ALIAS)
    versions = mlops.model_versions(MODEL)
    holder = versions[versions["version"] == champion].iloc[0] if champion else None
    runs = mlops.runs(experiment=result.name, max_results=1000)
    lines = [
        "",
        f"Pipeline '{result.name}': {result.status.value} in {result.duration:.1f} s "
        f"(run {result.run_id})",
        f"  steps run:    {', '.join(ran) or 'none'}",
        f"  steps cached: {', '.join(cached) or 'none'}",
    ]
    if cached and not ran:
        lines.append("  All steps cached: nothing changed since the last run "
                     "(edit a notebook or a param, or pass --force, to run them again).")
    lines += [
        f"Runs: {len(states) + 1} produced by this run (1 pipeline run, {len(states)} step "
        f"runs); {len(runs)} in experiment '{result.name}', {info.get('runs', len(runs))} "
        "in the workspace",
        f"Model: {MODEL}, {int(row['versions'])} version(s); latest evaluation registered "
        f"version {evaluation['version']} from {evaluation['winner']} "
        f"(test AUC {evaluation['candidates'][evaluation['winner']]['auc']:.4f})",
    ]
    if holder is not None:
        lines.append(f"  @{ALIAS} -> {MODEL} version {champion} "
                     f"(AUC {holder.get('metrics.auc', float('nan')):.4f}); load it with "
                     f"mlops.load_model(\"{MODEL}@{ALIAS}\")")
    else:
        lines.append(f"  @{ALIAS} is not set: {'; '.join(evaluation['reasons'])}")
    shown = ", ".join(drift["drifted_columns"][:3])
    more = len(drift["drifted_columns"]) - 3
    lines += [
        f"Drift: {drift['verdict'].upper()} on the shifted batch: "
        f"{len(drift['drifted_columns'])} of {drift['tested']} columns drifted "
        f"({shown}{f' and {more} more' if more > 0 else ''}); predictions "
        f"{'drifted' if drift['prediction_drifted'] else 'stable'}; report {drift['report_id']}",
        f"Workspace: {info['workspace']} ({info['backend']})",
        f"Open it in JupyterLab, with the MLOps sidebar: {lab_command(Path(info['workspace']))}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the example pipeline, print the summary; the exit code says whether it passed."""
    args = parse_args(argv)
    print(f"Running {PIPELINE.relative_to(HERE.parent)} with --jobs {args.jobs}", flush=True)
    result = mlops.run_pipeline(PIPELINE, jobs=args.jobs, force=args.force,
                                on_event=show_progress)
    if not result.ok:
        for outcome in result.steps:
            if outcome.state == "failed":
                detail = (outcome.failure.render(outcome.step) if outcome.failure
                          else outcome.error)
                print(f"\nStep {outcome.step} failed:\n{detail}", file=sys.stderr)
        print(f"\nPipeline '{result.name}' {result.status.value}; fix the step and run the "
              "demo again: the steps that passed stay cached.", file=sys.stderr)
        return 1
    print(summarize(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
