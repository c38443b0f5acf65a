"""The Run and Compare views in a real JupyterLab and Chromium, and the live Runs list.

The workspace holds a grid search: a parent run "sweep" with three children (C = 0.1, 1, 10),
each with a stepped loss, a single-value auc, a text and a CSV artifact; the best child is
registered as churn v1.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TOKEN, clean_env, prepared_lab
from .test_sidebar import widen_sidebar

PREPARE = textwrap.dedent(
    """
    import math
    from sklearn.linear_model import LogisticRegression
    import jupyter_mlops as mlops

    with mlops.start_run(experiment="churn", name="sweep") as parent:
        for c in (0.1, 1.0, 10.0):
            with mlops.start_run(experiment="churn", name=f"logreg-C{c}", nested=True) as run:
                mlops.log_params({"C": c, "penalty": "l2", "solver": f"lbfgs-{c}"})
                for step in range(60):
                    mlops.log_metric("loss", math.exp(-step / (5 * c)) + 0.05, step=step)
                mlops.log_metric("auc", round(0.7 + c / 50, 4))
                mlops.log_text("feature importances", "report/summary.txt")
                mlops.log_text("age,income\\n31,52.5\\n45,61.0\\n", "data/head.csv")
                if c == 10.0:
                    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
                    logged = mlops.log_model(model)
    mlops.register_model(logged.uri, "churn")
    """
)

LATE_RUN = textwrap.dedent(
    """
    import jupyter_mlops as mlops

    with mlops.start_run(experiment="late", name="started-elsewhere"):
        mlops.log_metric("auc", 0.91)
    """
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("runviews")
    with prepared_lab(root, PREPARE) as base:
        yield base, root


def open_lab(browser, base: str, workspace_name: str | None = None):
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    name = workspace_name or f"test-{uuid.uuid4().hex[:8]}"
    page.goto(f"{base}/lab/workspaces/{name}?token={TOKEN}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    return page, errors


def open_runs(page):
    page.locator(
        '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]'
    ).click()
    panel = page.locator("#jupyter-mlops-sidebar")
    widen_sidebar(page, panel, 520)
    return panel


def set_theme(page, theme: str) -> None:
    page.evaluate(
        "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})"
        ".then(() => null)", theme
    )
    page.wait_for_function(
        "theme => document.body.dataset.jpThemeName === theme", arg=theme, timeout=30_000
    )


def shoot(page, path: Path) -> None:
    """A screenshot of the whole main-area view: the page made as tall as the view's content."""
    height = page.evaluate(
        "() => { const c = document.querySelector('.lm-DockPanel-widget:not(.lm-mod-hidden) "
        ".jp-mlops-view-content'); c.scrollTop = 0; return c.scrollHeight; }"
    )
    before = page.viewport_size
    page.set_viewport_size({"width": before["width"], "height": min(height + 160, 4000)})
    page.wait_for_timeout(500)  # plotly redraws at the new size
    page.screenshot(path=str(path))
    page.set_viewport_size(before)


def row(panel, name: str):
    return panel.locator(".jp-mlops-run-row", has_text=name)


def test_run_view_shows_params_metrics_artifacts_and_is_restored(browser, workspace,
                                                                  output_dir: Path):
    from playwright.sync_api import expect

    base, _ = workspace
    name = f"runview-{uuid.uuid4().hex[:8]}"
    page, errors = open_lab(browser, base, name)
    panel = open_runs(page)
    # The children sit under their parent in the tree, one level deeper.
    expect(row(panel, "logreg-C1.0")).to_have_attribute("aria-level", "2", timeout=30_000)
    expect(row(panel, "sweep")).to_have_attribute("aria-level", "1")
    row(panel, "logreg-C10.0").locator(".jp-mlops-tree-cell .jp-mlops-link").click()

    view = page.locator("#jp-main-dock-panel .jp-mlops-runview")
    expect(view.locator("h1")).to_have_text("logreg-C10.0", timeout=30_000)
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "logreg-C10.0")
    overview = view.locator(".jp-mlops-overview")
    expect(overview).to_contain_text("churn")
    expect(overview).to_contain_text("FINISHED")
    expect(overview.locator(".jp-mlops-dl")).to_contain_text("Parent")

    params = view.locator(".jp-mlops-params [role=table]")
    expect(params).to_contain_text("penalty")
    expect(params).to_contain_text("lbfgs-10.0")
    view.get_by_label("Search params").fill("solv")
    expect(params.locator("[role=row]")).to_have_count(2)  # the header and "solver"
    expect(params).not_to_contain_text("penalty")

    # A single value is a number; a stepped metric is a line chart drawn by plotly.
    expect(view.locator(".jp-mlops-number-card[data-metric=auc]")).to_contain_text("0.9")
    chart = view.locator(".jp-mlops-chart-cell[data-metric=loss] "
                         ".jp-mlops-plot[data-rendered='true']")
    expect(chart.locator(".scatterlayer .trace")).to_have_count(1, timeout=60_000)
    expect(chart.locator(".gtitle")).to_contain_text("loss")

    artifacts = view.locator(".jp-mlops-artifacts-view")
    artifacts.get_by_role("button", name="report/summary.txt").click()
    expect(artifacts.locator(".jp-mlops-preview[data-kind=text]")).to_contain_text(
        "feature importances", timeout=30_000)
    artifacts.get_by_role("button", name="data/head.csv").click()
    table = artifacts.locator(".jp-mlops-preview[data-kind=table]")
    expect(table).to_contain_text("income")
    expect(table).to_contain_text("52.5")
    expect(view.locator(".jp-mlops-model-link")).to_have_text("churn v1")
    shoot(page, output_dir / "run-view-light.png")
    set_theme(page, "JupyterLab Dark")
    expect(chart.locator(".scatterlayer .trace")).to_have_count(1, timeout=60_000)
    shoot(page, output_dir / "run-view-dark.png")
    set_theme(page, "JupyterLab Light")

    # Reloaded, the lab restores the view from its layout; opening it again reuses it.
    page.wait_for_timeout(1500)  # the layout is saved shortly after a change
    page.reload()
    restored = page.locator("#jp-main-dock-panel .jp-mlops-runview h1")
    expect(restored).to_have_text("logreg-C10.0", timeout=60_000)
    page.evaluate(
        "id => window.jupyterapp.commands.execute('mlops:open-run', {id}).then(() => null)",
        page.locator(".jp-mlops-runview").get_attribute("data-run-id"),
    )
    expect(page.locator("#jp-main-dock-panel .jp-mlops-runview")).to_have_count(1)
    page.close()
    assert not errors, errors


def test_compare_overlays_histories_and_draws_bars(browser, workspace, output_dir: Path):
    from playwright.sync_api import expect

    base, _ = workspace
    page, errors = open_lab(browser, base)
    panel = open_runs(page)
    for c in ("0.1", "1.0", "10.0"):
        row(panel, f"logreg-C{c}").locator("input[type=checkbox]").check(timeout=30_000)
    panel.locator(".jp-mlops-compare-button").click()

    view = page.locator("#jp-main-dock-panel .jp-mlops-compareview")
    expect(view.locator("h1")).to_have_text("Comparing 3 runs", timeout=30_000)
    # The best auc (higher is better) is the C=10 run's, the last column.
    best = view.locator(".jp-mlops-compare-table [data-metric=auc] .jp-mlops-best")
    expect(best).to_have_count(1)
    expect(best).to_have_text("0.9")
    loss = view.locator(".jp-mlops-compare-table [data-metric=loss] .jp-mlops-best")
    expect(loss).to_have_count(1)
    # Only the params that differ, unless asked for all.
    params = view.locator(".jp-mlops-params-table")
    expect(params.locator("[data-param]")).to_have_count(2)
    expect(params).not_to_contain_text("penalty")
    view.get_by_label("show all").check()
    expect(params.locator("[data-param=penalty]")).to_have_count(1)

    # Overlaid histories: one trace per compared run in the chart's SVG.
    history = view.locator(".jp-mlops-history-chart[data-metric=loss] "
                           ".jp-mlops-plot[data-rendered='true']")
    expect(history.locator(".scatterlayer .trace")).to_have_count(3, timeout=60_000)
    expect(history.locator(".legendtext")).to_have_count(3)
    expect(history.locator(".legend")).to_contain_text("logreg-C0.1")

    # A single-value metric: one bar per run, its value written on the bar.
    bars = view.locator(".jp-mlops-bar-chart[data-metric=auc] "
                        ".jp-mlops-plot[data-rendered='true']")
    expect(bars.locator(".barlayer .point")).to_have_count(3, timeout=60_000)
    expect(bars.locator(".barlayer")).to_contain_text("0.9")
    expect(bars.locator(".barlayer")).to_contain_text("0.702")

    # Parallel coordinates and a scatter whose axes the user picks: drawn once scrolled to.
    view.locator(".jp-mlops-parcoords-cell").scroll_into_view_if_needed()
    expect(view.locator(".jp-mlops-parcoords[data-rendered='true'] .parcoords")).to_have_count(
        1, timeout=60_000)
    # One axis per differing param and per metric (C and solver; auc and loss).
    expect(view.locator(".jp-mlops-parcoords .parcoords .y-axis")).to_have_count(4)
    view.get_by_label("Scatter x axis").select_option("params.C")
    view.get_by_label("Scatter y axis").select_option("metrics.auc")
    scatter = view.locator(".jp-mlops-scatter .jp-mlops-plot[data-rendered='true']")
    expect(scatter.locator(".scatterlayer .point")).to_have_count(3, timeout=60_000)
    expect(scatter.locator(".g-xtitle")).to_have_text("params.C")
    shoot(page, output_dir / "compare-view-light.png")
    set_theme(page, "JupyterLab Dark")
    expect(history.locator(".scatterlayer .trace")).to_have_count(3, timeout=60_000)
    shoot(page, output_dir / "compare-view-dark.png")
    set_theme(page, "JupyterLab Light")
    page.close()
    assert not errors, errors


def test_a_run_started_elsewhere_appears_without_a_click(browser, workspace, output_dir: Path):
    from playwright.sync_api import expect

    base, root = workspace
    page, errors = open_lab(browser, base)
    panel = open_runs(page)
    expect(row(panel, "logreg-C0.1")).to_have_count(1, timeout=30_000)
    expect(row(panel, "started-elsewhere")).to_have_count(0)
    # As a notebook's kernel would: another process writes the run into the workspace.
    subprocess.run([sys.executable, "-c", LATE_RUN], cwd=root, env=clean_env(), check=True)
    expect(row(panel, "started-elsewhere")).to_have_count(1, timeout=30_000)
    expect(row(panel, "started-elsewhere")).to_contain_text("late")
    expect(panel.get_by_label("Experiment")).to_contain_text("late (1)")
    page.screenshot(path=str(output_dir / "runs-list-live.png"))
    page.close()
    assert not errors, errors


def test_commands_are_in_the_palette_under_mlops(browser, workspace):
    from playwright.sync_api import expect

    base, _ = workspace
    page, errors = open_lab(browser, base)
    # Opened before the lab finished restoring its layout, the modal palette is closed again
    # by the restore (seen on a loaded machine): wait for it first.
    page.evaluate("() => window.jupyterapp.restored.then(() => null)")
    page.evaluate("() => window.jupyterapp.commands"
                  ".execute('apputils:activate-command-palette').then(() => null)")
    palette = page.locator("#command-palette")
    palette.locator("input").fill("MLOps")
    for label in ("Open runs", "Compare selected runs", "Refresh runs", "Open run by id"):
        expect(palette.locator(".lm-CommandPalette-item", has_text=label)).to_have_count(
            1, timeout=30_000)
    expect(palette.locator(".lm-CommandPalette-header").first).to_contain_text("MLOps")
    palette.locator(".lm-CommandPalette-item", has_text="Open runs").click()
    expect(page.locator("#jupyter-mlops-sidebar .jp-mlops-run-row").first).to_be_visible(
        timeout=30_000)
    page.close()
    assert not errors, errors
