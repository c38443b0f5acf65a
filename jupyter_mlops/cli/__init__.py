"""`jupyter mlops` / `jupyter-mlops`: the command line face.

A package rather than DESIGN.md's single ``cli.py``: each command group is one module, loaded
only when invoked, so ``jupyter mlops --help`` stays fast and no file grows past one idea.
Register a group by adding ``"name": "module:attribute"`` to ``COMMANDS``.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

COMMANDS: dict[str, str] = {
    # name: "module:attribute" of a click command or group; one line per command group.
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when used, not when the CLI starts."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, attribute = COMMANDS[name].split(":")
            command: Any = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyter-mlops", prog_name="jupyter mlops")
def cli() -> None:
    """Track runs, version data, register models, run notebook pipelines and watch drift."""


def main() -> None:
    """Entry point of the ``jupyter-mlops`` console script."""
    cli(prog_name="jupyter mlops")
