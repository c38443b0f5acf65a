"""`jupyter mlops evaluate NAME@alias DATA`: sliced evaluation and its blessing, for CI.

``evaluate MODEL DATA`` is short for ``evaluate run MODEL DATA``; ``evaluate list`` and
``evaluate show`` read stored evaluations (and replays). With ``--fail-unblessed`` the exit
code is 1 when the version is not blessed, so a CI step stops before promotion.
"""

from __future__ import annotations

import math
from typing import Any

import click

from . import render
from .drift import DefaultGroup
from .exits import GENERAL, USAGE, CommandError
from .options import json_option, tracking


class _RunFirst(DefaultGroup):
    default = "run"


@click.group(cls=_RunFirst)
def evaluate() -> None:
    """Evaluate a model version overall and per slice, and bless it (evaluate MODEL DATA).

    MODEL is a registered version (churn@candidate, churn/3); DATA a CSV or Parquet file or a
    dataset version such as customers@3.
    """


def _slices(values: tuple[str, ...]) -> list[str | tuple[str, ...]]:
    out: list[str | tuple[str, ...]] = []
    for value in values:
        names = tuple(n.strip() for n in value.split(",") if n.strip())
        if not names:
            raise CommandError(f"Invalid slice {value!r}: name a column, or columns joined by "
                               "commas for a cross (country,plan).", USAGE)
        out.append(names[0] if len(names) == 1 else names)
    return out


def thresholds_from(threshold: tuple[str, ...], per_slice: tuple[str, ...],
                    change: tuple[str, ...], baseline: str | None
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``thresholds`` and ``per_slice`` dicts the options spell."""
    from ..evaluate.thresholds import parse_text

    overall = parse_text(list(threshold))
    for metric, body in parse_text(list(change), baseline=baseline, change=True).items():
        overall.setdefault(metric, {}).update(body)
    return overall, parse_text(list(per_slice))


def _value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return render.number(float(value))


def show(result: Any) -> None:
    """The verdict, the failing checks and one row per slice."""
    r = result.record
    verdict = "[green bold]blessed[/]" if r.blessed else "[red bold]NOT blessed[/]"
    pairs = [("Verdict", f"{verdict} ({render.plain(r.model)}, {r.kind})"),
             ("Data", f"{render.plain(r.data)} ({r.rows:,} rows)")]
    if r.baseline:
        pairs.append(("Baseline", render.plain(r.baseline)))
    if result.agreement is not None:
        pairs.append(("Agreement", f"{result.agreement:.1%} of rows answered as served"))
    pairs.append(("Id", r.id))
    lines = [f"[red]failed[/]  {render.plain(f)}" for f in r.failures]
    lines += [f"[dim]not judged[/]  {render.plain(n)}" for n in result.notes]
    metrics = list(result.metrics)
    frame = result.to_frame() if metrics else result.agreement_frame()
    if not metrics and len(frame):
        metrics = ["agreement"]
    rows = [(render.plain(row["slice"]), f"{row['rows']:,}", *(_value(row[m]) for m in metrics),
             "[red]FAILED[/]" if row["status"] == "FAILED" else row["status"])
            for _, row in frame.iterrows()]
    table = render.table(["Slice", "Rows", *metrics, "Status"], rows,
                         right=["Rows", *metrics]) if rows else None
    render.show(render.fields(pairs), table)
    for line in lines:
        render.console().print(line)


@evaluate.command("run")
@click.argument("model", metavar="MODEL")
@click.argument("data", metavar="DATA")
@click.option("--label", required=True, metavar="COLUMN", help="The label column.")
@click.option("-s", "--slice", "slices", multiple=True, metavar="COLUMN[,COLUMN]",
              help="Slice by this column, or by the cross of several joined by commas "
                   "(repeat for several slicings).")
@click.option("-t", "--threshold", multiple=True, metavar="METRIC>=X",
              help="A bound on an overall metric: auc>=0.8, log_loss<=0.4 (repeatable).")
@click.option("--slice-threshold", multiple=True, metavar="METRIC>=X",
              help="The same bound on every slice big enough to judge (repeatable).")
@click.option("-c", "--change", multiple=True, metavar="METRIC>=D",
              help="A change against --baseline: auc>=-0.01 (difference) or auc>=0.99x "
                   "(ratio candidate/baseline) (repeatable).")
@click.option("--baseline", metavar="MODEL", help="The baseline of --change (churn@champion).")
@click.option("--min-slice-size", type=click.IntRange(min=1), default=30, show_default=True,
              help="Smaller slices are shown but not judged.")
@click.option("--task", type=click.Choice(["classification", "regression"]),
              help="Default: inferred from the model and the label.")
@click.option("--no-save", is_flag=True, help="Do not store the evaluation.")
@click.option("--trust", is_flag=True, help="Trust the model's pickled types when loading it.")
@click.option("--fail-unblessed", is_flag=True,
              help="Exit with code 1 when the version is not blessed.")
@json_option
def run(model: str, data: str, label: str, slices: tuple[str, ...], threshold: tuple[str, ...],
        slice_threshold: tuple[str, ...], change: tuple[str, ...], baseline: str | None,
        min_slice_size: int, task: str | None, no_save: bool, trust: bool, fail_unblessed: bool,
        as_json: bool) -> None:
    """Evaluate MODEL on DATA overall and per slice; judge the thresholds; store the verdict.

    Exit codes: 0 blessed (or not blessed without --fail-unblessed), 1 not blessed with
    --fail-unblessed or an error, 2 invalid input, 3 a model or data not found.
    """
    tracking()
    from ..evaluate import evaluate as run_evaluation

    if change and baseline is None:
        raise CommandError("--change compares with a baseline: add --baseline NAME@champion.",
                           USAGE)
    overall, per_slice = thresholds_from(threshold, slice_threshold, change, baseline)
    result = run_evaluation(model, data, label=label, slices=_slices(slices),
                            thresholds=overall, per_slice=per_slice, baseline=baseline,
                            min_slice_size=min_slice_size, task=task, save=not no_save,
                            trust=trust or False)
    if as_json:
        render.echo_json(result.to_dict())
    else:
        show(result)
    if fail_unblessed and not result.blessed:
        raise click.exceptions.Exit(GENERAL)


@evaluate.command("list")
@click.argument("model", required=False)
@click.option("--kind", type=click.Choice(["evaluation", "replay", "skew"]),
              help="Only this kind.")
@click.option("--max-results", type=click.IntRange(min=1), default=50, show_default=True,
              help="At most this many.")
@json_option
def list_evaluations(model: str | None, kind: str | None, max_results: int,
                     as_json: bool) -> None:
    """List stored evaluations and replays, newest first (of MODEL: churn, churn/3)."""
    tracking()
    from ..evaluate import evaluations

    found = evaluations(model, kind=kind, limit=max_results)
    if as_json:
        render.echo_json([e.record for e in found])
        return
    if not found:
        render.note("No evaluations yet. Run one with `jupyter mlops evaluate MODEL DATA "
                    "--label COLUMN`.")
        return
    rows = [(render.short_id(e.id), render.when(e.record.created_at), e.kind,
             render.plain(e.model), render.plain(e.record.data), f"{e.record.rows:,}",
             "[green]yes[/]" if e.blessed else "[red]no[/]",
             render.plain("; ".join(e.failures))) for e in found]
    render.show(render.table(["Id", "When", "Kind", "Model", "Data", "Rows", "Blessed",
                              "Failures"], rows, nowrap=["Id", "When"]))


@evaluate.command("show")
@click.argument("evaluation_id", metavar="ID")
@json_option
def show_evaluation(evaluation_id: str, as_json: bool) -> None:
    """Show a stored evaluation or replay: verdict, failing checks, every slice."""
    tracking()
    from ..evaluate import get_evaluation

    found = get_evaluation(evaluation_id)
    if as_json:
        render.echo_json(found.to_dict())
    else:
        show(found)
