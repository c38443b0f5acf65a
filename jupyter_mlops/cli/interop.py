"""`jupyter mlops import mlflow URI` and `jupyter mlops export mlflow DEST`: stores in and out."""

from __future__ import annotations

import sys

import click

from . import render
from .options import use_workspace


@click.group("import")
def import_() -> None:
    """Bring another tool's store into this workspace."""


@import_.command("mlflow")
@click.argument("uri", metavar="URI")
@click.option("--trust", is_flag=True,
              help="Record the types the imported sklearn models' skops files need as "
                   "trusted, so they load without naming them. Without it, a terminal is "
                   "asked for each model that needs any; elsewhere they stay untrusted.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def import_mlflow(uri: str, trust: bool, no_progress: bool) -> None:
    """Import an MLflow store: URI is an mlruns folder, sqlite:///mlflow.db,
    postgresql://user@host/db or a tracking server http://host:5000.

    Experiments, runs (params, tags, full metric histories, statuses, parents, files), logged
    models, registered models, versions and aliases. Running it again adds nothing; a killed
    import resumes where it stopped.
    """
    use_workspace()
    from ..interop.mlflow_import import import_mlflow as run_import

    # Asking needs someone to answer: in CI or a pipe the types stay untrusted (and listed).
    asked = _confirm if sys.stdin.isatty() else False
    summary = run_import(uri, trust=True if trust else asked, progress=not no_progress)
    for line in summary.lines():
        render.note(line)


def _confirm(label: str, types: list[str]) -> bool:
    return click.confirm(f"\n{label} needs skops types {', '.join(types)}. Trust them for "
                         "this model file?", default=False, err=True)


@click.group("export")
def export() -> None:
    """Write this workspace's runs and models in another tool's format."""


@export.command("mlflow")
@click.argument("dest", metavar="DEST")
@click.option("-f", "--filter", "filter_", metavar="QUERY",
              help="Only runs matching this query, e.g. \"metrics.auc > 0.8\".")
@click.option("-e", "--experiment", multiple=True, metavar="NAME",
              help="Only this experiment (repeatable).")
@click.option("--no-models", is_flag=True, help="Runs only, not the model registry.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def export_mlflow(dest: str, filter_: str | None, experiment: tuple[str, ...],
                  no_models: bool, no_progress: bool) -> None:
    """Write runs and registered models as an MLflow store: DEST is an mlruns folder, or a
    new SQLite database sqlite:///path/mlflow.db (the mlruns folder beside it keeps the
    artifacts; MLflow's own `mlflow migrate-filestore`, MLflow 3.10 or later on PATH, moves
    the metadata in).

    Then `mlflow ui --backend-store-uri DEST` shows them and mlflow.pyfunc.load_model loads
    the sklearn models.
    """
    use_workspace()
    from ..interop.mlflow_export import export_mlflow as run_export

    summary = run_export(dest, filter=filter_, experiment=list(experiment) or None,
                         models=not no_models, progress=not no_progress)
    for line in summary.lines():
        render.note(line)
