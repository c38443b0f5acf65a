"""Fixtures of the CLI tests: a workspace with runs in it, and a CliRunner that checks codes."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result

import jupyter_mlops as mlops
from jupyter_mlops.cli import cli


@dataclass
class Populated:
    """Ids of the runs the ``populated`` fixture made."""

    low: str
    high: str
    failed: str
    parent: str
    child: str


@pytest.fixture
def populated(tracking, tmp_path) -> Populated:
    """Runs in experiments 'grid' and 'other': params, metric history, NaN/inf, artifacts."""
    folder = tmp_path / "plots"
    (folder / "sub").mkdir(parents=True)
    (folder / "roc.txt").write_text("roc curve")
    (folder / "sub" / "pr.txt").write_text("pr curve")
    ids = {}
    for name, c in (("low", 0.1), ("high", 1.0)):
        with mlops.start_run(experiment="grid", name=name, tags={"owner": "ana"}) as run:
            mlops.log_param("C", c)
            for step in range(3):
                mlops.log_metric("loss", 1.0 / (step + 1) + c, step=step)
            mlops.log_metric("auc", 0.5 + c / 4)
            mlops.log_metric("nan_metric", math.nan)
            mlops.log_metric("inf_metric", -math.inf)
            mlops.log_artifact(str(folder))
            mlops.log_text("C was " + str(c), "notes.txt")
        ids[name] = run.id
    with pytest.raises(ZeroDivisionError), mlops.start_run(experiment="other",
                                                           name="boom") as run:
        1 / 0  # noqa: B018
    ids["failed"] = run.id
    with (mlops.start_run(experiment="other", name="parent") as parent,
          mlops.start_run(nested=True, name="child") as child):
        mlops.log_param("depth", 1)
    return Populated(ids["low"], ids["high"], ids["failed"], parent.id, child.id)


def _refuse(token: str) -> None:
    raise AssertionError(f"--json printed {token}, which is not valid JSON")


class Cli:
    """Invokes `jupyter mlops` in-process and checks the exit code of each call."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, env: dict[str, str] | None = None) -> Result:
        result = self.runner.invoke(cli, list(args), env={"COLUMNS": "200", **(env or {})},
                                    prog_name="jupyter mlops")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == code, (result.stdout, result.stderr)
        if "--json" in args and code == 0:
            # Python's parser accepts the bare NaN and Infinity that strict JSON forbids.
            json.loads(result.stdout, parse_constant=_refuse)
        return result

    def fails(self, *args: str, code: int, env: dict[str, str] | None = None) -> str:
        """Run a command that must fail with ``code`` and one ``Error:`` line; its message."""
        result = self(*args, code=code, env=env)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("Error: ")
        assert "Traceback" not in result.output
        return lines[0].removeprefix("Error: ")


@pytest.fixture
def invoke() -> Cli:
    return Cli()
