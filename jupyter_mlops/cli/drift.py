"""`jupyter mlops drift REF CUR`: compare two datasets for CI and scheduled monitoring.

``drift REF CUR`` is short for ``drift compare REF CUR``; ``drift list`` and ``drift show``
read saved reports. With ``--fail-on-drift`` the exit code is 1 when the dataset has drifted,
so a cron job or a CI step fails and alerts.
"""

from __future__ import annotations

import math
from typing import Any

import click

from . import render
from .exits import GENERAL
from .options import NamesOption, json_option, tracking


class DefaultGroup(click.Group):
    """A group that runs ``compare`` when its first argument is not a subcommand."""

    default = "compare"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup)
def drift() -> None:
    """Compare datasets for drift (drift REF CUR), and list saved drift reports.

    REF and CUR are CSV or Parquet files or dataset versions such as customers@3.
    """


def _names(values: tuple[str, ...]) -> list[str] | None:
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return names or None


def _method_names() -> list[str]:
    # Only when compare's help is shown: the statistics load numpy.
    from ..monitor.statistics import names

    return ["auto", *names()]


@drift.command("compare")
@click.argument("reference", metavar="REF")
@click.argument("current", metavar="CUR")
@click.option("--columns", "columns", multiple=True, metavar="NAMES",
              help="Compare only these columns (comma-separated or repeated).")
@click.option("--categorical", multiple=True, metavar="NAMES",
              help="Numeric columns to test as categories (comma-separated or repeated).")
@click.option("--method", default="auto", show_default=True, metavar="NAME",
              cls=NamesOption, names=_method_names,
              help="A statistic for every column: {names}.")
@click.option("--threshold", type=float, metavar="X",
              help="One threshold for every column (default: the statistic's own).")
@click.option("--drift-share", type=click.FloatRange(0, 1, min_open=True), default=0.5,
              show_default=True, help="The dataset drifts when this share of columns drift.")
@click.option("--target", metavar="COLUMN", help="The label column (reported as target drift).")
@click.option("--prediction", metavar="COLUMN", help="The model's output column.")
@click.option("--outliers", is_flag=True, help="Also count outlier rows (IsolationForest).")
@click.option("--save", is_flag=True, help="Save the report in the workspace.")
@click.option("--name", metavar="NAME", help="Name to save the report under (implies --save).")
@click.option("--fail-on-drift", is_flag=True,
              help="Exit with code 1 when the dataset has drifted.")
@json_option
def compare(reference: str, current: str, columns: tuple[str, ...],
            categorical: tuple[str, ...], method: str, threshold: float | None,
            drift_share: float, target: str | None, prediction: str | None, outliers: bool,
            save: bool, name: str | None, fail_on_drift: bool, as_json: bool) -> None:
    """Compare CUR with REF column by column and print the verdict.

    Exit codes: 0 no drift (or drift without --fail-on-drift), 1 drift with --fail-on-drift
    or an error, 2 invalid input, 3 a file or dataset version not found.
    """
    from ..monitor import drift_report

    report = drift_report(reference, current, columns=_names(columns),
                          categorical=_names(categorical), method=method, threshold=threshold,
                          drift_share=drift_share, target=target, prediction=prediction,
                          outliers=outliers, progress=False)
    if save or name:
        tracking()
        report.save(name=name)
    if as_json:
        render.echo_json(report.to_dict(details=False))
    else:
        _show(report)
        if save or name:
            render.note(f"Saved as {report.id}.")
    if fail_on_drift and report.drifted:
        raise click.exceptions.Exit(GENERAL)


def _value(value: float) -> str:
    return "" if math.isnan(value) else render.number(value)


def _show(report: Any) -> None:
    r = report.record
    verdict = "[red bold]DRIFT[/]" if r.drifted else "[green bold]no drift[/]"
    summary = render.fields([
        ("Verdict", f"{verdict}: {report.drifted_count} of {report.tested_count} columns "
                    f"drifted ({r.share:.0%}; threshold {r.drift_share:.0%})"),
        ("Reference", f"{render.plain(r.reference)} ({r.reference_rows:,} rows)"),
        ("Current", f"{render.plain(r.current)} ({r.current_rows:,} rows)"),
    ])
    rows = [
        (render.plain(x.column), x.type, x.statistic or "", _value(x.value),
         _value(x.threshold), "[red]yes[/]" if x.drifted else ("no" if x.tested else "-"),
         x.role if x.role != "feature" else "", render.plain(x.note))
        for x in report.results
    ]
    table = render.table(["Column", "Type", "Statistic", "Value", "Threshold", "Drift", "Role",
                          "Note"], rows, right=["Value", "Threshold"],
                         nowrap=["Value", "Threshold", "Drift"])
    outliers = report.outliers
    extra = None
    if outliers:
        forest = outliers.get("forest_share")
        extra = (f"Outliers: {outliers['range_share']:.1%} of rows outside the reference's "
                 "range" + (f", {forest:.1%} by IsolationForest" if forest is not None else ""))
    render.show(summary, table, extra)


@drift.command("list")
@click.option("--name", metavar="NAME", help="Only reports saved under this name.")
@click.option("--max-results", type=click.IntRange(min=1), default=50, show_default=True,
              help="At most this many reports.")
@json_option
def list_reports(name: str | None, max_results: int, as_json: bool) -> None:
    """List saved drift reports, newest first."""
    tracking()
    from ..monitor import list_reports as listing

    found = listing(name=name, limit=max_results)
    if as_json:
        render.echo_json(found)
        return
    if not found:
        render.note("No saved drift reports. Save one with `jupyter mlops drift REF CUR --save`.")
        return
    rows = [(render.short_id(r.id), render.when(r.created_at), render.plain(r.name or ""),
             render.plain(r.reference), render.plain(r.current),
             "[red]yes[/]" if r.drifted else "no", f"{r.share:.0%}")
            for r in found]
    render.show(render.table(["Id", "Created", "Name", "Reference", "Current", "Drift", "Share"],
                             rows, nowrap=["Id", "Created"]))


@drift.command("show")
@click.argument("report_id", metavar="ID")
@json_option
def show_report(report_id: str, as_json: bool) -> None:
    """Show a saved drift report (its id, or 6+ characters from either end of it)."""
    tracking()
    from ..monitor import get_report

    report = get_report(report_id)
    if as_json:
        render.echo_json(report.to_dict(details=False))
        return
    _show(report)


@drift.command("delete")
@click.argument("report_ids", metavar="ID...", nargs=-1, required=True)
def delete_reports(report_ids: tuple[str, ...]) -> None:
    """Delete saved drift reports."""
    tracking()
    from ..monitor import delete_reports as deleting

    count = deleting(report_ids)
    render.note(f"Deleted {count} report(s).")
