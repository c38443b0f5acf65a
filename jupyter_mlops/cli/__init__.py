"""`jupyter mlops` / `jupyter-mlops`: the command line face.

A package rather than DESIGN.md's single ``cli.py``: each command group is one module, loaded
only when invoked, so ``jupyter mlops --help`` stays fast and no file grows past one idea.
Register a group by adding ``"name": "module:attribute"`` to ``COMMANDS``.

Each command parses its options, calls one capability and renders the result (``render``);
library errors become one ``Error:`` line and an exit code at this edge (``exits``).
``jupyter mlops`` works because Jupyter runs any ``jupyter-<name>`` executable on the PATH.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .exits import EPILOG, translate
from .options import WorkspaceChoice

COMMANDS: dict[str, str] = {
    # name: "module:attribute" of a click command or group; one line per command group.
    "alerts": "jupyter_mlops.cli.alerts:alerts",
    "artifacts": "jupyter_mlops.cli.artifacts:artifacts",
    "data": "jupyter_mlops.cli.data:data",
    "drift": "jupyter_mlops.cli.drift:drift",
    "evaluate": "jupyter_mlops.cli.evaluate:evaluate",
    "experiments": "jupyter_mlops.cli.experiments:experiments",
    "export": "jupyter_mlops.cli.interop:export",
    "gc": "jupyter_mlops.cli.workspace:gc",
    "import": "jupyter_mlops.cli.interop:import_",
    "info": "jupyter_mlops.cli.workspace:info",
    "models": "jupyter_mlops.cli.models:models",
    "pipeline": "jupyter_mlops.cli.pipeline:pipeline",
    "reference": "jupyter_mlops.cli.reference:reference",
    "reproduce": "jupyter_mlops.cli.pipeline:reproduce",
    "runs": "jupyter_mlops.cli.runs:runs",
    "serve": "jupyter_mlops.cli.models:serve",
    "server": "jupyter_mlops.cli.server:server",
    "sweep": "jupyter_mlops.cli.sweep:sweep",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when used, and that translates library errors."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, attribute = COMMANDS[name].split(":")
            command: Any = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            translated = translate(error)
            if translated is None:
                raise
            raise translated from error


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EPILOG,
)
@click.option(
    "--workspace", type=click.Path(exists=True, file_okay=False), metavar="PATH",
    help="A folder inside the workspace to use (default: found from the current folder).",
)
@click.option(
    "--uri", metavar="URL",
    help="SQLAlchemy URL of the metadata store (overrides $JUPYTER_MLOPS_URI).",
)
@click.option(
    "--artifacts", metavar="URL",
    help="fsspec URL of the artifact store (overrides $JUPYTER_MLOPS_ARTIFACTS).",
)
@click.version_option(package_name="jupyter-mlops", prog_name="jupyter mlops")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None, uri: str | None,
        artifacts: str | None) -> None:
    """Track runs, version data, register models, run notebook pipelines and watch drift."""
    ctx.obj = WorkspaceChoice(workspace, uri, artifacts)


def main() -> None:
    """Entry point of the ``jupyter-mlops`` console script."""
    cli(prog_name="jupyter mlops")
