"""`jupyter mlops pipeline run|status|dag|show` and `jupyter mlops reproduce RUN_ID`.

Exit codes beyond the common table: ``pipeline run`` exits 1 when a step failed (its failing
cell is printed on stderr) and 130 when interrupted; ``pipeline status --check`` exits 1 when
a step is stale; ``reproduce`` exits 1 when the run fails or a metric differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from . import render
from .exits import USAGE, CommandError
from .options import executor_options, json_option, tracking

if TYPE_CHECKING:
    from collections.abc import Callable

STEP_FAILED = 1
INTERRUPTED = 130
_STATE_STYLES = {"ran": "green", "cached": "green", "fresh": "green", "failed": "bold red",
                 "skipped": "dim", "killed": "magenta", "stale": "yellow"}

pipeline_argument = click.argument("pipeline_file", metavar="[PIPELINE]", required=False,
                                   default="pipeline.yaml", type=click.Path(dir_okay=False))
param_option = click.option(
    "-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
    help="Override a param: KEY=VALUE for a pipeline param (or every step declaring it), "
         "STEP.KEY=VALUE for one step's. Values are typed as in YAML (0.5, true, [1, 2]).")
only_option = click.option("--only", multiple=True, metavar="STEP",
                           help="Only this step (repeat for several); upstream outputs must "
                                "exist.")
from_option = click.option("--from", "from_", metavar="STEP",
                           help="This step and every step that depends on it.")


def _styled(state: str) -> str:
    style = _STATE_STYLES.get(state)
    return f"[{style}]{state}[/]" if style else state


def _overrides(params: tuple[str, ...]) -> dict[str, Any]:
    from ..pipeline.located import parse_assignments

    return parse_assignments(params)


def _spec_errors(func: Any) -> Callable[..., Any]:
    """Print each problem of an invalid pipeline file on its own line, then exit 2."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..pipeline.spec import SpecError

        try:
            return func(*args, **kwargs)
        except SpecError as error:
            count = len(error.problems)
            click.echo(f"Error: {error.file} has {count} problem{'s' * (count > 1)}; "
                       "nothing was run:", err=True)
            for problem in error.problems:
                click.echo("  " + problem.render(error.file), err=True)
            raise click.exceptions.Exit(USAGE) from None

    return wrapper


@click.group()
def pipeline() -> None:
    """Run notebook pipelines (pipeline.yaml): cached, tracked, on this machine or on Dask."""


@pipeline.command("run")
@pipeline_argument
@param_option
@only_option
@from_option
@click.option("--force", is_flag=True, help="Run the selected steps even when cached.")
@executor_options("steps")
@click.option("--junit", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write a JUnit XML report, one test case per step.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bars on stderr (default: when stderr is a terminal).")
@json_option
@_spec_errors
def run_command(pipeline_file: str, params: tuple[str, ...], only: tuple[str, ...],
                from_: str | None, force: bool, jobs: int, executor: str, address: str | None,
                junit: str | None, progress: bool | None, as_json: bool) -> None:
    """Run the steps of PIPELINE (default: pipeline.yaml) whose cache key changed."""
    import sys

    tracking()
    from ..pipeline.runner import run_pipeline

    if progress is None:
        progress = sys.stderr.isatty() and not as_json
    try:
        result = run_pipeline(pipeline_file, params=_overrides(params), only=only or None,
                              from_=from_, force=force, jobs=jobs, executor=executor,
                              address=address, junit=junit, progress=progress)
    except KeyboardInterrupt:
        click.echo("Interrupted: running steps were stopped and their runs marked KILLED.",
                   err=True)
        raise click.exceptions.Exit(INTERRUPTED) from None
    if as_json:
        render.echo_json(result)
    else:
        rows = [(o.step, _styled(o.state), render.duration(o.duration) if o.state != "cached"
                 else "", render.short_id(o.run_id) if o.run_id else "",
                 render.plain(o.reason if o.state != "failed" else
                              (o.failure.summary() if o.failure else o.error)))
                for o in result.steps]
        render.show(render.table(["step", "state", "time", "run", "detail"], rows,
                                 title=f"{result.name}: {render.status(result.status.value)} "
                                       f"(run {render.short_id(result.run_id)})",
                                 nowrap=["time", "run"]))
    for outcome in result.steps:
        if outcome.state == "failed":
            text = outcome.failure.render(outcome.step) if outcome.failure else \
                f"Step '{outcome.step}' failed: {outcome.error}"
            click.echo(text, err=True)
    if not result.ok:
        raise click.exceptions.Exit(STEP_FAILED)


@pipeline.command("status")
@pipeline_argument
@param_option
@only_option
@from_option
@click.option("--check", is_flag=True, help="Exit 1 when any step is stale (for CI).")
@json_option
@_spec_errors
def status_command(pipeline_file: str, params: tuple[str, ...], only: tuple[str, ...],
                   from_: str | None, check: bool, as_json: bool) -> None:
    """Show which steps are stale and why, without running anything."""
    tracking()
    from ..pipeline.status import pipeline_status

    states = pipeline_status(pipeline_file, params=_overrides(params), only=only or None,
                             from_=from_)
    if as_json:
        render.echo_json(states)
    else:
        rows = [(s.step, _styled(s.state), render.short_id(s.run_id) if s.run_id else "",
                 render.plain("; ".join(s.reasons))) for s in states]
        render.show(render.table(["step", "state", "run", "why"], rows, nowrap=["run"]))
    if check and any(s.stale for s in states):
        raise click.exceptions.Exit(1)


@pipeline.command("dag")
@pipeline_argument
@click.option("--status", "with_status", is_flag=True,
              help="Label each step fresh or stale (reads the store).")
@click.option("--html", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the DAG as an interactive plotly page.")
@_spec_errors
def dag_command(pipeline_file: str, with_status: bool, html: str | None) -> None:
    """Draw the steps and what each needs."""
    from ..pipeline.dag import draw_text, figure
    from ..pipeline.spec import load_pipeline

    loaded = load_pipeline(pipeline_file)
    states = None
    if with_status:
        tracking()
        from ..pipeline.status import pipeline_status

        states = {s.step: s.state for s in pipeline_status(pipeline_file)}
    click.echo(draw_text(loaded, states))
    if html is not None:
        figure(loaded, states).write_html(html, include_plotlyjs="cdn")
        render.note(f"Wrote {html}")


@pipeline.command("show")
@pipeline_argument
@param_option
@json_option
@_spec_errors
def show_command(pipeline_file: str, params: tuple[str, ...], as_json: bool) -> None:
    """Validate PIPELINE and show each step's notebook, effective params and data."""
    from ..pipeline.spec import load_pipeline

    loaded = load_pipeline(pipeline_file, _overrides(params))
    if as_json:
        render.echo_json({"name": loaded.name, "experiment": loaded.experiment,
                          "params": loaded.params,
                          "steps": [vars(step) for step in loaded.steps.values()]})
        return
    rows = []
    for step in loaded.steps.values():
        rows.append((step.name, render.plain(step.notebook.relative_to(loaded.root)),
                     render.plain(", ".join(f"{k}={v!r}" for k, v in step.params.items())),
                     render.plain(", ".join(step.inputs)), render.plain(", ".join(step.outputs)),
                     ", ".join(step.needs)))
    render.show(render.table(["step", "notebook", "params", "inputs", "outputs", "needs"], rows,
                             title=f"{loaded.name} (experiment {loaded.experiment})"))


@pipeline.command("compile")
@pipeline_argument
@click.option("--to", "target", type=click.Choice(["kfp"]), required=True,
              help="What to compile to: kfp (a Kubeflow Pipelines v2 pipeline spec).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, metavar="FILE",
              help="Where to write the spec, e.g. pipeline.kfp.yaml.")
@click.option("--image", required=True, metavar="IMAGE",
              help="The steps' container image: jupyter-mlops, the kernels and the project.")
@click.option("--workdir", default="/workspace", show_default=True, metavar="DIR",
              help="The project's folder (that of the pipeline file) inside the image.")
@click.option("--store-uri", metavar="URL",
              help="The team store the steps track to (default: this workspace's).")
@click.option("--artifacts-uri", metavar="URL",
              help="The team artifact store (default: this workspace's).")
@click.option("--allow-local", is_flag=True,
              help="Accept a store on this machine's disk (for kfp.local runs here).")
@param_option
@_spec_errors
def compile_command(pipeline_file: str, target: str, output: str, image: str, workdir: str,
                    store_uri: str | None, artifacts_uri: str | None, allow_local: bool,
                    params: tuple[str, ...]) -> None:
    """Compile PIPELINE for another orchestrator: one container component per step."""
    tracking()
    from ..interop.kfp import compile_kfp

    compiled = compile_kfp(pipeline_file, output, image=image, params=_overrides(params),
                           workdir=workdir, store_uri=store_uri, artifacts_uri=artifacts_uri,
                           allow_local=allow_local)
    render.note(f"Wrote {output}: {len(compiled.cache_keys)} steps, cached by KFP under our keys "
                "(params as compiled; compile again with -p to change one).")


@click.command("reproduce")
@click.argument("run_id")
@click.option("--tolerance", type=float, default=1e-6, show_default=True,
              help="Relative and absolute tolerance under which metrics count as equal.")
@click.option("--kernel", metavar="NAME", help="The kernel to use (default: the notebook's).")
@click.option("--keep", type=click.Path(file_okay=False), metavar="DIR",
              help="Keep the executed notebook and the files it wrote in DIR.")
@json_option
def reproduce(run_id: str, tolerance: float, kernel: str | None, keep: str | None,
              as_json: bool) -> None:
    """Re-execute RUN_ID's notebook with its params and data; compare metrics and packages."""
    if tolerance < 0:
        raise CommandError("--tolerance must not be negative.", USAGE)
    tracking()
    from ..pipeline.reproduce import reproduce as run_reproduction

    outcome = run_reproduction(run_id, tolerance=tolerance, kernel_name=kernel, keep=keep)
    if as_json:
        render.echo_json(outcome)
    else:
        click.echo(str(outcome))
    if not outcome.ok:
        raise click.exceptions.Exit(1)
