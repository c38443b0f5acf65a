"""The sidebar in a real JupyterLab and a real browser: the runs navigator opening the Run and
Compare views, the query language, the Pipelines tab's empty state."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TOKEN, prepared_lab, start_lab, stop_lab

PREPARE = textwrap.dedent(
    """
    import math
    import jupyter_mlops as mlops

    for c in (0.1, 1.0, 10.0):
        with mlops.start_run(experiment="churn", name=f"logreg-C{c}", tags={"owner": "ana"}):
            mlops.log_param("C", c)
            for step in range(30):
                mlops.log_metric("loss", math.exp(-step / (5 * c)) + 0.05)
            mlops.log_metric("auc", 0.7 + c / 50)
            mlops.log_text("feature importances", "report/summary.txt")
    """
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prepared_lab(tmp_path_factory.mktemp("lab"), PREPARE) as base:
        yield base


def open_sidebar(browser, lab: str):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A new named workspace per page: otherwise the layout a previous page saved (sidebar
    # open) is restored, and clicking the tab would close the panel.
    page.goto(f"{lab}/lab/workspaces/test-{uuid.uuid4().hex[:8]}?token={TOKEN}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    page.locator(
        '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]'
    ).click()
    panel = page.locator("#jupyter-mlops-sidebar")
    widen_sidebar(page, panel, 620)
    return page, panel, errors


def widen_sidebar(page, panel, width: int) -> None:
    """Drag the left sidebar's edge as a user would, so wide tables show whole."""
    panel.wait_for()
    box = panel.bounding_box()
    handle_x = box["x"] + box["width"] + 2
    y = box["y"] + box["height"] / 2
    page.mouse.move(handle_x, y)
    page.mouse.down()
    page.mouse.move(box["x"] + width, y, steps=5)
    page.mouse.up()


def test_runs_table_detail_and_chart(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    page, panel, errors = open_sidebar(browser, lab)
    rows = panel.locator(".jp-mlops-run-row")
    expect(rows).to_have_count(3, timeout=30_000)
    expect(panel.locator(".jp-mlops-count")).to_have_text("1\u20133 of 3")
    page.screenshot(path=str(output_dir / "sidebar-runs.png"))

    # Filter in the query language, evaluated by the server.
    panel.locator(".jp-mlops-filter-input").fill("params.C = '10.0'")
    panel.locator(".jp-mlops-filter button").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("logreg-C10.0")

    # A bad filter shows the server's one-line error, not a broken table.
    panel.locator(".jp-mlops-filter-input").fill("metrics.auc >")
    panel.locator(".jp-mlops-filter button").click()
    expect(panel.locator(".jp-mlops-error")).to_contain_text("Expected")

    panel.locator(".jp-mlops-filter-input").fill("")
    panel.locator(".jp-mlops-filter button").click()
    expect(rows).to_have_count(3)

    # The sidebar is a navigator: a run opens as a main-area view, with its chart there.
    rows.first.locator(".jp-mlops-link").click()
    view = page.locator("#jp-main-dock-panel .jp-mlops-runview")
    expect(view.locator("h1")).to_have_text("logreg-C10.0", timeout=30_000)
    chart = view.locator(".jp-mlops-plot[data-rendered='true'] .main-svg").first
    expect(chart).to_be_visible(timeout=60_000)
    page.screenshot(path=str(output_dir / "sidebar-run-detail.png"))

    # Two ticked runs open the Compare view beside it.
    rows.nth(0).locator("input[type=checkbox]").check()
    rows.nth(1).locator("input[type=checkbox]").check()
    panel.locator("button", has_text="Compare (2)").click()
    compare = page.locator("#jp-main-dock-panel .jp-mlops-compareview")
    expect(compare).to_be_visible(timeout=30_000)
    expect(compare.locator(".jp-mlops-plot[data-rendered='true'] .main-svg").first).to_be_visible(
        timeout=60_000)
    page.screenshot(path=str(output_dir / "sidebar-compare.png"))

    # No pipeline file under the root: the Pipelines tab says how to make and run one.
    panel.get_by_role("tab", name="Pipelines").click()
    empty = panel.locator(".jp-mlops-pipelines .jp-mlops-empty")
    expect(empty).to_contain_text("No pipelines under this folder yet", timeout=30_000)
    expect(empty).to_contain_text("pipeline.yaml")
    expect(empty).to_contain_text("jupyter mlops pipeline run pipeline.yaml")
    page.close()
    assert not errors, errors


def test_missing_server_extension_says_how_to_enable_it(browser, tmp_path):
    from playwright.sync_api import expect

    root = tmp_path
    (root / ".lab" / "config").mkdir(parents=True)
    (root / ".lab" / "config" / "jupyter_server_config.json").write_text(
        '{"ServerApp": {"jpserver_extensions": {"jupyter_mlops": false}}}'
    )
    base, proc = start_lab(root)
    try:
        page, panel, _ = open_sidebar(browser, base)
        expect(panel.locator(".jp-mlops-missing")).to_contain_text(
            "jupyter server extension enable jupyter_mlops", timeout=30_000)
        page.close()
    finally:
        stop_lab(proc)
