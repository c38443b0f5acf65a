"""Every command is documented, `--help` works everywhere and stays fast to start."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from jupyter_mlops.cli import COMMANDS, cli


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _walk(command, (*path, name))


ALL = [(" ".join(path), command) for path, command in _walk(cli)]


def test_the_expected_commands_exist():
    names = {path for path, _ in ALL}
    assert set(COMMANDS) <= names
    assert {"info", "gc", "runs list", "runs show", "runs delete", "runs restore", "runs metric",
            "experiments list", "artifacts list", "artifacts get"} <= names


@pytest.mark.parametrize(("path", "command"), ALL, ids=[path for path, _ in ALL])
def test_every_command_and_option_has_help(path, command, invoke):
    assert command.help and command.help.strip(), f"`{path}` has no docstring"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"option {param.name} of `{path}` has no help"
    result = invoke(*path.split(), "--help")
    assert result.stdout.startswith(f"Usage: jupyter mlops {path}")
    assert command.help.split("\n")[0][:40] in " ".join(result.stdout.split())


def test_top_level_help_lists_groups_and_exit_codes(invoke):
    out = invoke("--help").stdout
    for name in COMMANDS:
        assert name in out
    assert "--workspace" in out and "--uri" in out and "--artifacts" in out
    flat = " ".join(out.split())
    assert "3 not found" in flat and "4 conflict" in flat
    assert invoke("-h").stdout == out


def test_version(invoke):
    assert "jupyter mlops, version" in invoke("--version").stdout


def test_unknown_command_and_option_are_usage_errors(invoke):
    assert "No such command" in invoke("nope", code=2).stderr
    result = invoke("runs", "list", "--bogus", code=2)
    last = result.stderr.splitlines()[-1]
    assert last.startswith("Error: No such option") and "--bogus" in last


HEAVY = ("pandas", "numpy", "sqlalchemy", "rich", "tqdm", "jupyter_mlops.tracking",
         "jupyter_mlops.store")

_PROBE = """
import json, sys
from jupyter_mlops.cli import cli
try:
    cli(sys.argv[1:], prog_name="jupyter mlops")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["runs", "--help"], ["runs", "list", "--help"],
                                  ["artifacts", "get", "--help"], ["gc", "--help"]])
def test_help_imports_nothing_heavy(args):
    probe = _PROBE.format(heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                          check=True)
    assert "Usage: jupyter mlops" in done.stdout
    assert json.loads(done.stdout.splitlines()[-1]) == []
