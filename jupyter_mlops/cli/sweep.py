"""`jupyter mlops sweep PIPELINE --step STEP --space space.yaml`: a notebook step's params swept.

Each trial runs the pipeline with papermill, the step's params set from the trial, cached like
any step; the trials are runs nested under the sweep's run. ``--jobs`` trials run at once, each
in its own copy of the pipeline's folder, their steps where ``--executor`` says. The study is
kept in the workspace's database: the same ``--name`` again continues a stopped sweep.
"""

from __future__ import annotations

import click

from . import render
from .options import NamesOption, _executor_names, json_option, tracking


@click.command("sweep")
@click.argument("pipeline_file", metavar="[PIPELINE]", required=False, default="pipeline.yaml",
                type=click.Path(dir_okay=False))
@click.option("--step", required=True, help="The notebook step whose params are swept.")
@click.option("--space", "space_file", required=True, type=click.Path(dir_okay=False),
              help="The search space (YAML): 'C: {type: float, low: 0.001, high: 10, log: true}'.")
@click.option("--trials", type=click.IntRange(min=1), default=20, show_default=True,
              help="Trials to finish (those of an earlier sweep of the same --name count).")
@click.option("--metric", default="auc", show_default=True,
              help="The metric a step logs that the sweep optimises.")
@click.option("--minimize", is_flag=True, help="Minimize the metric (default: maximize).")
@click.option("--sampler", default="tpe", show_default=True,
              help="tpe, random, grid, cmaes, qmc, or a registered sampler.")
@click.option("--name", help="The study's name; an existing one is continued.")
@click.option("--seed", type=int, help="The sampler's seed.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many trials run at once, each in its own copy of the pipeline's "
                   "folder; a trial's steps run one at a time.")
@click.option("--executor", default="local", show_default=True, metavar="NAME",
              cls=NamesOption, names=_executor_names,
              help="Where the trials' steps run: {names} (the registered executors).")
@click.option("--address", metavar="URL",
              help="The Dask scheduler (tcp://host:8786) for --executor dask; its workers "
                   "get notebooks and inputs from the artifact store. Default: one local "
                   "cluster of --jobs workers for all trials.")
@json_option
def sweep(pipeline_file: str, step: str, space_file: str, trials: int, metric: str,
          minimize: bool, sampler: str, name: str | None, seed: int | None, jobs: int,
          executor: str, address: str | None, as_json: bool) -> None:
    """Sweep STEP's params of PIPELINE (default: pipeline.yaml) over --space.

    \b
    --jobs N runs N trials at once. Each runs in a copy of the pipeline's
    folder (without outputs, .git, .venv, .mlops) under the workspace's
    .mlops/tmp/, removed afterwards. Upstream steps run once and are cache
    hits in every other trial. The folder then holds the best trial's
    outputs and executed notebooks; a failed sweep leaves it unchanged.
    """
    tracking()
    from ..sweep.step import load_space, sweep_step

    result = sweep_step(pipeline_file, step, load_space(space_file), n_trials=trials,
                        direction="minimize" if minimize else "maximize", metric=metric,
                        sampler=sampler, jobs=jobs, executor=executor, address=address,
                        name=name, seed=seed)
    summary = {"run_id": result.run_id, "study": result.study.study_name,
               "trials": len(result.study.trials), "metric": metric,
               "best_value": result.best_value, "best_params": result.best_params}
    if as_json:
        render.echo_json(summary)
        return
    click.echo(f"Sweep {summary['study']!r} (run {render.short_id(result.run_id)}): "
               f"{summary['trials']} trials, best {metric} {result.best_value:.6g} with "
               f"{result.best_params}")
