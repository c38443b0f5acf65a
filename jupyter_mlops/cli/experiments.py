"""`jupyter mlops experiments ...`: the named groups runs belong to."""

from __future__ import annotations

import click

from . import render
from .options import json_option, tracking


@click.group()
def experiments() -> None:
    """List the experiments of the workspace."""


@experiments.command("list")
@json_option
def list_experiments(as_json: bool) -> None:
    """List every experiment with its number of live runs and when it was created."""
    found = tracking().experiments()
    if as_json:
        render.echo_json(found)
        return
    if not found:
        render.note("No experiments yet: start a run with `mlops.start_run(experiment=...)`.")
        return
    rows = [(render.plain(e.name), e.run_count, render.when(e.created_at)) for e in found]
    render.show(render.table(["Experiment", "Runs", "Created"], rows, right=["Runs"]))
