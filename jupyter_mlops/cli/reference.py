"""The command-line reference in Markdown, generated from the commands' own help."""

from __future__ import annotations

import click


def _walk(command: click.Command, ctx: click.Context, path: list[str]) -> list[str]:
    lines = [f"### `{' '.join(path)}`", "", "```text", command.get_help(ctx).rstrip(), "```", ""]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            child = click.Context(sub, info_name=name, parent=ctx, terminal_width=100,
                                  max_content_width=100)
            lines += _walk(sub, child, [*path, name])
    return lines


def markdown() -> str:
    """Every command's ``--help``, as one Markdown page."""
    from . import cli

    ctx = click.Context(cli, info_name="jupyter mlops", terminal_width=100, max_content_width=100,
                        help_option_names=["-h", "--help"])
    header = [
        "# Command-line reference",
        "",
        "Generated from the commands' own `--help` by `jupyter mlops reference`; a test keeps",
        "this file equal to that output.",
        "",
    ]
    return "\n".join(header + _walk(cli, ctx, ["jupyter mlops"]))


@click.command("reference")
def reference() -> None:
    """Print the Markdown reference of every command (docs/cli.md)."""
    click.echo(markdown(), nl=False)
