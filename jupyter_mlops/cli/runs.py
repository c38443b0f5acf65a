"""`jupyter mlops runs ...`: list, show, delete, restore runs and read a metric's history."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ..errors import NotFound
from . import render
from .exits import USAGE, CommandError
from .options import json_option, tracking

if TYPE_CHECKING:
    from rich.table import Table

    from ..records import Run

DEFAULT_MAX_RESULTS = 50
AUTO_PARAMS = 3
AUTO_METRICS = 3
_PREFIXES = ("params.", "metrics.", "tags.")


@click.group()
def runs() -> None:
    """List, inspect, delete and restore tracked runs."""


@runs.command("list")
@click.option("-e", "--experiment", "experiments", multiple=True, metavar="EXP",
              help="Only runs of this experiment (repeat for several).")
@click.option("--filter", "filter_", metavar="EXPR",
              help="A query such as \"metrics.auc > 0.8 and params.C = '0.5'\".")
@click.option("--order-by", multiple=True, metavar="KEY",
              help="Sort key such as 'metrics.auc DESC' (repeat for several; default: newest "
                   "first).")
@click.option("--max-results", type=click.IntRange(min=0), default=DEFAULT_MAX_RESULTS,
              show_default=True, help="At most this many runs; 0 for all.")
@click.option("--deleted", is_flag=True, help="List deleted runs instead of live ones.")
@click.option("-c", "--column", "columns", multiple=True, metavar="KEY",
              help="Show this params./metrics./tags. column (repeat for several; default: the "
                   "most common params and metrics).")
@json_option
def list_runs(experiments: tuple[str, ...], filter_: str | None, order_by: tuple[str, ...],
              max_results: int, deleted: bool, columns: tuple[str, ...],
              as_json: bool) -> None:
    """List runs, newest first.

    The table shows the most common params and metrics; --json prints the full records.
    """
    for column in columns:
        if not column.startswith(_PREFIXES) or column in _PREFIXES:
            raise CommandError(
                f"Invalid column {column!r}: use params.<key>, metrics.<key> or tags.<key>.",
                USAGE,
            )
    found = tracking().search_runs(
        experiment=list(experiments) or None,
        filter=filter_,
        order_by=list(order_by),
        max_results=max_results or None,
        deleted=deleted,
    )
    if as_json:
        render.echo_json([{**run.to_dict(), "duration": run.duration} for run in found])
        return
    if not found:
        render.note("No runs match." if filter_ or experiments else "No runs yet.")
        return

    def build(extra: list[str]) -> Table:
        header = ["Run", "Experiment", "Name", "Status", "Start", "Duration", *extra]
        metrics = [c for c in extra if c.startswith("metrics.")]
        return render.table(header, [_row(run, extra) for run in found],
                            right=["Duration", *metrics],
                            nowrap=["Run", "Status", "Start", "Duration", *metrics])

    dropped = 0
    if columns:
        drawn = build(list(columns))
    else:
        drawn, dropped = render.fitting(build, _auto_columns(found))
    render.show(drawn)
    if dropped:
        render.note(f"{dropped} more column(s) do not fit: choose them with -c KEY.")
    if max_results and len(found) == max_results:
        render.note(f"Showing the first {max_results} runs; use --max-results to see more.")


def _auto_columns(found: Sequence[Run]) -> list[str]:
    """The metrics, then the params, most runs of the listing have, most common first.

    Metrics come first so that a narrow terminal, which drops columns from the end, loses
    params before metrics.
    """
    params: Counter[str] = Counter(key for run in found for key in run.params)
    metrics: Counter[str] = Counter(key for run in found for key in run.metrics)

    def top(counts: Counter[str], prefix: str, limit: int) -> list[str]:
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [prefix + key for key, _ in ranked[:limit]]

    return top(metrics, "metrics.", AUTO_METRICS) + top(params, "params.", AUTO_PARAMS)


def _row(run: Run, extra: Sequence[str]) -> list[str]:
    cells = [
        render.short_id(run.id),
        render.plain(run.experiment),
        render.plain(run.name),
        render.status(run.status.value),
        render.when(run.start_time, seconds=False),
        render.duration(run.duration),
    ]
    for column in extra:
        kind, key = column.split(".", 1)
        if kind == "metrics":
            value = run.metrics.get(key)
            cells.append(render.number(value) if value is not None else "")
        else:
            values = run.params if kind == "params" else run.tags
            cells.append(render.plain(values.get(key, "")))
    return cells


@runs.command("show")
@click.argument("run_id")
@json_option
def show_run(run_id: str, as_json: bool) -> None:
    """Show everything recorded about one run.

    RUN_ID may be any unique 6 or more characters from the start or end of the id.
    """
    from ..tracking.artifacts import environment_of
    from .runcard import run_card

    run = tracking().get_run(run_id)
    environment = environment_of(run)
    if as_json:
        data = run.to_dict()
        data["duration"] = run.duration
        data["environment"] = environment
        render.echo_json(data)
        return
    render.show(*run_card(run, environment))


@runs.command("delete")
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
def delete_runs(run_ids: tuple[str, ...]) -> None:
    """Delete runs and their nested runs.

    Deletion is soft: `runs restore` brings them back until `gc --purge-deleted` runs.
    """
    count = tracking().delete_runs(list(run_ids))
    click.echo(_changed("Deleted", count, len(run_ids)))


@runs.command("restore")
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
def restore_runs(run_ids: tuple[str, ...]) -> None:
    """Bring deleted runs and their nested runs back."""
    count = tracking().restore_runs(list(run_ids))
    click.echo(_changed("Restored", count, len(run_ids)))


def _changed(verb: str, count: int, asked: int) -> str:
    nested = f" ({count - asked} nested)" if count > asked else ""
    return f"{verb} {count} run{'s' if count != 1 else ''}{nested}."


@runs.command("metric")
@click.argument("run_id")
@click.argument("key")
@json_option
def metric(run_id: str, key: str, as_json: bool) -> None:
    """Show the history of one metric of a run: step, value and time."""
    api = tracking()
    history = api.metric_history(run_id, key)
    if history.empty:
        known = sorted(api.get_run(run_id).metrics)
        listing = ", ".join(known[:20]) or "none"
        raise NotFound(f"Run {run_id} has no metric {key!r}. Its metrics: {listing}.")
    columns = (history["step"], history["value"], history["timestamp"])
    points = [
        {"step": int(step), "value": float(value), "timestamp": stamp.timestamp()}
        for step, value, stamp in zip(*columns, strict=True)
    ]
    if as_json:
        render.echo_json(points)
        return
    rows = [(p["step"], render.number(p["value"]), render.when(p["timestamp"])) for p in points]
    finite = [p["value"] for p in points if math.isfinite(p["value"])]
    title = f"{render.plain(key)}: {len(points)} value(s)"
    if finite:
        title += f", min {render.number(min(finite))}, max {render.number(max(finite))}"
    render.show(render.table(["Step", "Value", "Time"], rows, title=title,
                             right=["Step", "Value"]))

