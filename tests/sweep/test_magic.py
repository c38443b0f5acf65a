"""%%mlops_sweep on a real IPython shell: the cell is the objective, ``trial`` in its namespace."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.error import UsageError

import jupyter_mlops as mlops

CELL = """
x = trial.suggest_float("x", -3.0, 3.0)
offset = 1.5
loss = (x - offset) ** 2
"""


def test_the_cell_is_the_objective(shell: Any) -> None:
    shell.run_cell_magic("mlops_sweep", "-n 6 --minimize loss --sampler random --pruner none "
                         "--name magic --seed 2 --no-plot", CELL)
    result = shell.user_ns["_sweep"]
    assert len(result.study.trials) == 6
    assert shell.user_ns["offset"] == 1.5  # the cell ran in the user's namespace
    values = [t.value for t in result.study.trials]
    assert result.best_value == min(values)
    children = [r for r in mlops.search_runs() if r.parent_id == result.run_id]
    assert len(children) == 6
    assert all("x" in c.params and "loss" in c.metrics for c in children)
    assert mlops.get_run(result.run_id).metrics["loss"] == pytest.approx(min(values))


def test_an_error_in_the_cell_is_the_users(shell: Any) -> None:
    with pytest.raises(ZeroDivisionError):
        shell.run_cell_magic("mlops_sweep", "-n 2 --maximize auc --no-plot", "1 / 0")
    with pytest.raises(UsageError, match="not both"):
        shell.run_cell_magic("mlops_sweep", "--maximize a --minimize b", "pass")
    with pytest.raises(UsageError, match="Unknown sweep sampler"):
        shell.run_cell_magic("mlops_sweep", "--sampler nope", "pass")
