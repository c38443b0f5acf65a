"""`jupyter mlops models skew NAME@alias`: training-serving skew of a served model version."""

from __future__ import annotations

import click

from . import render
from .exits import GENERAL, CommandError
from .options import json_option, tracking


@click.command("skew")
@click.argument("model")
@click.option("--since", default="7d", show_default=True, metavar="WINDOW",
              help="The prediction log's window: a duration back from now (7d, 12h, 30m).")
@click.option("--training", metavar="DATA",
              help="The training data (a version like NAME@3, or a table file); default: the "
                   "DataFrame version the model's run read.")
@click.option("--schema", metavar="SCHEMA",
              help="A pandera YAML file or dataset version holding the skew thresholds; "
                   "default: the training data version's schema.")
@click.option("--threshold", type=float, metavar="VALUE",
              help="One threshold for every feature, over the schema's.")
@click.option("--no-save", is_flag=True, help="Do not store the report in the workspace.")
@json_option
def skew(model: str, since: str, training: str | None, schema: str | None,
         threshold: float | None, no_save: bool, as_json: bool) -> None:
    """Compare MODEL's training data with the inputs it served (L-infinity distance for
    categorical features, Jensen-Shannon divergence for numeric ones, thresholds from the
    schema). Exits 1 when a feature is skewed (for CI)."""
    tracking()
    from ..monitor.skew import skew_report

    report = skew_report(model, since, training=training, schema=schema,
                         threshold=threshold, save=not no_save)
    if as_json:
        render.echo_json(report.to_dict())
    else:
        rows = [(render.plain(f.column), f.measure, f"{f.distance:.6g}",
                 f"{f.threshold:.6g} ({f.source})", "SKEW" if f.skewed else "ok",
                 render.plain("" if f.largest is None else str(f.largest)))
                for f in report.features]
        render.show(render.table(
            ["Feature", "Measure", "Distance", "Threshold", "Verdict", "Largest at"], rows,
            title=f"{report.model}: {report.serving} against {report.training}",
            right=["Distance"]))
        for name, why in report.skipped.items():
            click.echo(f"Not compared: {name} ({why}).")
    if not report.ok:
        raise CommandError(f"{report.model}: skew in "
                           f"{', '.join(f.column for f in report.skewed)}.", GENERAL)
