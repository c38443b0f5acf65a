"""The Sweep view in a real JupyterLab and Chromium, on a real sweep with pruned trials.

The workspace holds a 14-trial TPE sweep with the median pruner: an SGD classifier on sklearn's
breast cancer data (tests/sweep/objective.py), logging its AUC per epoch so weak trials are
pruned.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import prepared_lab
from .test_run_views import open_lab, set_theme, shoot

N_TRIALS = 14
SWEEP = textwrap.dedent(
    f"""

    import json, pathlib
    import optuna

    result = mlops.sweep(objective, None, n_trials={N_TRIALS}, sampler="tpe", pruner="median",
                         metric="auc", name="sgd", experiment="cancer", seed=1)
    pruned = [t.number for t in result.study.trials
              if t.state == optuna.trial.TrialState.PRUNED]
    pathlib.Path("sweep.json").write_text(json.dumps(
        {{"run_id": result.run_id, "pruned": pruned,
          "best": result.study.best_trial.number}}))
    """
)
PREPARE = (Path(__file__).parents[1] / "sweep" / "objective.py").read_text() + SWEEP


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    root = tmp_path_factory.mktemp("sweepview")
    with prepared_lab(root, PREPARE) as base:
        yield base, json.loads((root / "sweep.json").read_text())


def open_sweep(page, run_id: str) -> None:
    # The plugins activate after the shell shows; the command exists once ours has.
    page.wait_for_function(
        "() => window.jupyterapp?.commands.hasCommand('mlops:open-sweep')", timeout=60_000)
    page.evaluate(
        "id => window.jupyterapp.commands.execute('mlops:open-sweep', {id}).then(() => null)",
        run_id,
    )


def test_sweep_view_shows_trials_history_and_opens_runs(browser, workspace, output_dir: Path):
    from playwright.sync_api import expect

    base, made = workspace
    assert made["pruned"], "the sweep should have pruned some trials"
    page, errors = open_lab(browser, base, f"sweepview-{uuid.uuid4().hex[:8]}")
    open_sweep(page, made["run_id"])
    assert page.evaluate("() => window.jupyterapp.commands.label('mlops:open-sweep')") == (
        "Open sweep by run id…")

    view = page.locator("#jp-main-dock-panel .jp-mlops-sweepview")
    expect(view.locator("h1")).to_have_text("sgd", timeout=30_000)
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "Sweep sgd")
    expect(view.locator(".jp-mlops-view-header")).to_contain_text("maximize auc")
    expect(view.locator(".jp-mlops-view-header")).to_contain_text("pruner median")
    complete = N_TRIALS - len(made["pruned"])
    expect(view.locator("[data-count=complete] .jp-mlops-number-value")).to_have_text(
        str(complete))
    expect(view.locator("[data-count=pruned] .jp-mlops-number-value")).to_have_text(
        str(len(made["pruned"])))
    expect(view.locator(".jp-mlops-best-trial")).to_have_text(f"trial-{made['best']}")
    expect(view.locator(".jp-mlops-best-params")).to_contain_text("alpha")

    rows = view.locator(".jp-mlops-trials .jp-mlops-trial-row")
    expect(rows).to_have_count(N_TRIALS)
    pruned = view.locator(".jp-mlops-trial-row[data-state=pruned]")
    expect(pruned).to_have_count(len(made["pruned"]))
    expect(pruned.locator(".jp-mlops-trial-state-pruned")).to_have_count(len(made["pruned"]))
    expect(pruned.first.locator(".jp-mlops-trial-state")).to_have_text("pruned")
    numbers = [int(n) for n in pruned.evaluate_all("rows => rows.map(r => r.dataset.trialNumber)")]
    assert numbers == made["pruned"]

    # Sorted by value, best first (auc is maximized); the best trial is starred.
    view.locator(".jp-mlops-sort[data-sort=value]").click()
    expect(rows.first).to_have_attribute("data-trial-number", str(made["best"]))
    expect(rows.first).to_have_class("jp-mlops-vrow jp-mlops-trial-row jp-mlops-trial-best")
    expect(view.locator(".jp-mlops-trials [aria-sort=descending]")).to_have_count(1)

    # The history: each complete trial's value, the best so far, and the pruned trials apart.
    history = view.locator(".jp-mlops-sweep-history[data-rendered='true']")
    expect(history.locator(".scatterlayer .trace")).to_have_count(3, timeout=60_000)
    expect(history.locator(".scatterlayer .trace").first.locator(".point")).to_have_count(
        complete)
    expect(history.locator(".legend")).to_contain_text("best so far")
    parallel = view.locator(".jp-mlops-sweep-parallel[data-rendered='true']")
    expect(parallel.locator(".parcoords .y-axis")).to_have_count(3, timeout=60_000)
    shoot(page, output_dir / "sweep-view-light.png")
    set_theme(page, "JupyterLab Dark")
    expect(history.locator(".scatterlayer .trace")).to_have_count(3, timeout=60_000)
    shoot(page, output_dir / "sweep-view-dark.png")
    set_theme(page, "JupyterLab Light")

    # A trial opens its Run view; the Run view goes back to the sweep.
    rows.first.locator(".jp-mlops-link").click()
    run_view = page.locator("#jp-main-dock-panel .jp-mlops-runview")
    expect(run_view.locator("h1")).to_have_text(f"trial-{made['best']}", timeout=30_000)
    run_view.locator(".jp-mlops-open-sweep").click()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "Sweep sgd")
    expect(page.locator("#jp-main-dock-panel .jp-mlops-sweepview")).to_have_count(1)

    # Reloaded, the lab restores the view from its layout.
    page.wait_for_timeout(1500)  # the layout is saved shortly after a change
    page.reload()
    expect(page.locator("#jp-main-dock-panel .jp-mlops-sweepview h1")).to_have_text(
        "sgd", timeout=60_000)
    page.close()
    assert not errors, errors


def test_a_run_that_is_no_sweep_says_so(browser, workspace):
    from playwright.sync_api import expect

    base, _ = workspace
    page, errors = open_lab(browser, base)
    open_sweep(page, "abcdef123456")
    expect(page.locator("#jp-main-dock-panel .jp-mlops-view-error")).to_contain_text(
        "abcdef123456", timeout=30_000)
    page.close()
    assert not errors, errors
