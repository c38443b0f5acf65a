"""The Models, Data and Drift tabs in a real JupyterLab and a real browser: the sidebar is a
navigator, and a model version, a dataset version or a drift report opens its main-area view.

The workspace holds a model with two versions and @champion on version 1, a dataset with two
versions, and a saved drift report linking them; the test opens version 1 from the Models tab,
moves @champion through the view's dialog and checks the move in the sidebar and in the store.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import clean_env, prepared_lab
from .test_sidebar import open_sidebar

PREPARE = textwrap.dedent(
    """
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops
    from jupyter_mlops import models

    rng = np.random.default_rng(3)
    week1 = pd.DataFrame({"age": rng.integers(18, 80, 400), "income": rng.normal(50, 10, 400),
                          "plan": rng.choice(["basic", "pro"], 400)})
    week2 = week1.assign(income=week1["income"] + 15, visits=rng.poisson(3, 400))
    mlops.version_data(week1, "customers", description="first week")
    mlops.version_data(week2, "customers")
    y = (week1["income"] > 50).astype(int)
    for version, C in enumerate((0.1, 1.0), start=1):
        with mlops.start_run(experiment="churn", name=f"train-C{C}") as run:
            mlops.load_data("customers@1")
            mlops.log_param("C", C)
            mlops.log_metric("auc", 0.8 + C / 10)
            model = LogisticRegression(C=C).fit(week1[["age", "income"]], y)
            logged = models.log_model(model, input_example=week1[["age", "income"]].head())
        models.register_model(logged.uri, "churn", alias="champion" if version == 1 else None,
                              reason="first candidate" if version == 1 else None)
    report = mlops.drift_report("customers@1", "customers@2", model="churn@champion",
                                drift_share=0.3)
    report.save(name="churn-weekly")
    """
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("registry-lab")
    with prepared_lab(root, PREPARE) as base:
        yield base, root


def tab(panel, name: str):
    return panel.get_by_role("tab", name=name)


def main_area(page):
    return page.locator("#jp-main-dock-panel")


def test_models_tab_opens_versions_whose_view_moves_an_alias(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    base, root = lab
    page, panel, errors = open_sidebar(browser, base)
    tab(panel, "Models").click()
    row = panel.locator(".jp-mlops-model-row[data-item='churn']")
    expect(row).to_contain_text("@champion → 1", timeout=30_000)
    row.locator("button", has_text="churn").click()

    # The navigator: the model's versions side by side, each naming the data its run read.
    model = panel.locator(".jp-mlops-model[data-model='churn']")
    versions = model.locator(".jp-mlops-version-row")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("customers@1")
    expect(model.locator(".jp-mlops-version-row[data-version='1']")).to_contain_text("@champion")
    # The detail lives in the main area, not in the sidebar.
    expect(model.locator(".jp-mlops-card-frame")).to_have_count(0)
    expect(model.locator(".jp-mlops-audit")).to_have_count(0)
    page.screenshot(path=str(output_dir / "sidebar-models.png"))

    # A click on a version opens its view in the main area, with its real content.
    model.locator(".jp-mlops-version-row[data-version='1'] td").first.click()
    view = main_area(page).locator(".jp-mlops-model-view[data-model='churn'][data-version='1']")
    expect(view.locator(".jp-mlops-alias[data-alias='champion']")).to_contain_text(
        "version 1", timeout=30_000)
    expect(view.locator(".jp-mlops-kv")).to_contain_text("auc")
    expect(view.locator(".jp-mlops-audit")).to_contain_text("first candidate")
    expect(view.locator(".jp-mlops-graph-node[data-node='dataset:customers@1']")).to_be_visible()
    frame = page.frame_locator(".jp-mlops-model-view[data-version='1'] .jp-mlops-card-frame")
    expect(frame.locator("h1")).to_contain_text("churn version 1", timeout=30_000)
    page.screenshot(path=str(output_dir / "sidebar-model-view.png"))

    # Keyboard: a version row is a tab stop, and Enter opens that version.
    version2 = model.locator(".jp-mlops-version-row[data-version='2']")
    version2.focus()
    page.keyboard.press("Enter")
    expect(main_area(page).locator(".jp-mlops-model-view[data-version='2'] h2")).to_contain_text(
        "version 2", timeout=30_000)
    page.locator(".lm-TabBar-tab", has_text="churn v1").click()

    view.get_by_role("button", name="Move @champion").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Move @champion of churn")
    # No reason: the dialog stays and says why.
    dialog.locator(".jp-mlops-version-select").select_option("2")
    dialog.get_by_role("button", name="Move alias").click()
    expect(page.locator(".jp-Dialog .jp-mlops-dialog-error")).to_contain_text("Say why")
    page.locator(".jp-Dialog .jp-mlops-reason").fill("v2 wins on the holdout")
    page.screenshot(path=str(output_dir / "sidebar-alias-dialog.png"))
    page.locator(".jp-Dialog").get_by_role("button", name="Move alias").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    expect(view.locator(".jp-mlops-notice")).to_contain_text("@champion now names version 2")
    expect(view.locator(".jp-mlops-alias[data-alias='champion']")).to_contain_text("version 2")
    expect(view.locator(".jp-mlops-audit")).to_contain_text("v2 wins on the holdout")

    # The navigator beside the view shows the move without a click, and so does the list.
    expect(version2).to_contain_text("@champion")
    expect(model.locator(".jp-mlops-version-row[data-version='1']")).not_to_contain_text(
        "@champion")

    # A version's run opens the Run view.
    version2.locator(".jp-mlops-link").first.click()
    expect(main_area(page).locator(".jp-mlops-runview h1")).to_have_text("train-C1.0",
                                                                        timeout=30_000)
    page.close()
    assert not errors, errors

    # The move went through the store's audited path, with the reason.
    audit = subprocess.run(
        [sys.executable, "-c", "import json, jupyter_mlops.models as m; "
         "print(json.dumps([e.__dict__ for e in m.audit_entries('churn', None)]))"],
        cwd=root, env=clean_env(), capture_output=True, text=True, check=True).stdout
    last = json.loads(audit)[-1]
    assert (last["action"], last["alias"], last["to_value"]) == ("alias", "champion", "2")
    assert last["reason"] == "v2 wins on the holdout"


def test_data_tab_opens_a_version_with_its_profile_and_diff(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    page, panel, errors = open_sidebar(browser, lab[0])
    tab(panel, "Data").click()
    row = panel.locator(".jp-mlops-dataset-row[data-item='customers']")
    expect(row).to_contain_text("2", timeout=30_000)
    row.locator("button", has_text="customers").click()

    dataset = panel.locator(".jp-mlops-dataset[data-dataset='customers']")
    expect(dataset.locator(".jp-mlops-data-version-row")).to_have_count(2)
    expect(dataset.locator(".jp-mlops-profile")).to_have_count(0)
    dataset.locator(".jp-mlops-data-version-row[data-version='2'] td").first.click()
    view = main_area(page).locator(
        ".jp-mlops-dataset-view[data-dataset='customers'][data-version='2']")
    profile = view.locator(".jp-mlops-profile-table")
    expect(profile).to_contain_text("visits", timeout=30_000)
    expect(profile).to_contain_text("income")
    expect(view.locator(".jp-mlops-dataset-diff .jp-mlops-diff-summary")).to_contain_text(
        "customers@1", timeout=30_000)
    page.screenshot(path=str(output_dir / "sidebar-data-view.png"))

    # Keyboard: Enter on version 1's row opens version 1, which has no "visits" yet.
    dataset.locator(".jp-mlops-data-version-row[data-version='1']").focus()
    page.keyboard.press("Enter")
    first = main_area(page).locator(
        ".jp-mlops-dataset-view[data-dataset='customers'][data-version='1']")
    expect(first.locator(".jp-mlops-profile-table")).to_contain_text("income", timeout=30_000)
    expect(first.locator(".jp-mlops-profile-table")).not_to_contain_text("visits")
    page.close()
    assert not errors, errors


def test_drift_tab_opens_the_report_at_full_width(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    page, panel, errors = open_sidebar(browser, lab[0])
    tab(panel, "Drift").click()
    row = panel.locator(".jp-mlops-report-row").first
    expect(row).to_contain_text("churn-weekly", timeout=30_000)
    expect(row).to_contain_text("DRIFTED")
    row.locator("button", has_text="churn-weekly").click()

    view = main_area(page).locator(".jp-mlops-drift-view")
    chart = view.locator(".jp-mlops-drift-chart[data-rendered='true']")
    expect(chart).to_be_visible(timeout=60_000)
    # Wider than the sidebar the test opened (620 px).
    assert chart.bounding_box()["width"] > 620
    expect(view.locator(".jp-mlops-drift-table")).to_contain_text("income")
    expect(panel.locator(".jp-mlops-report")).to_have_count(0)
    page.screenshot(path=str(output_dir / "sidebar-drift-view.png"))

    # Linked: the model version the report compared opens its own view.
    view.locator(".jp-mlops-view-links button", has_text="churn@champion").click()
    expect(main_area(page).locator(".jp-mlops-model-view[data-model='churn']")).to_be_visible(
        timeout=30_000)
    page.close()
    assert not errors, errors


def test_tabs_are_keyboard_accessible_and_follow_the_dark_theme(browser, lab, output_dir):
    from playwright.sync_api import expect

    page, panel, errors = open_sidebar(browser, lab[0])
    runs = tab(panel, "Runs")
    expect(runs).to_have_attribute("aria-selected", "true", timeout=30_000)
    runs.focus()
    page.keyboard.press("ArrowRight")
    expect(tab(panel, "Models")).to_have_attribute("aria-selected", "true")
    expect(tab(panel, "Models")).to_be_focused()
    page.keyboard.press("End")
    expect(tab(panel, "Pipelines")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(tab(panel, "Drift")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(runs).to_have_attribute("aria-selected", "true")

    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme',"
                  " {theme: 'JupyterLab Dark'})")
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false",
                                                   timeout=30_000)
    tab(panel, "Drift").click()
    # Keyboard: the report's name is a tab stop; Enter opens its view.
    panel.locator(".jp-mlops-report-row button").first.focus()
    page.keyboard.press("Enter")
    view = main_area(page).locator(".jp-mlops-drift-view")
    expect(view.locator(".jp-mlops-drift-chart[data-rendered='true']")).to_be_visible(
        timeout=60_000)
    for node in (panel, view):
        color = node.evaluate("node => getComputedStyle(node).backgroundColor")
        assert color not in ("rgb(255, 255, 255)",), color
    color = panel.evaluate("node => getComputedStyle(node).backgroundColor")
    assert color != "rgba(0, 0, 0, 0)", color
    page.screenshot(path=str(output_dir / "sidebar-drift-dark.png"))
    page.close()
    assert not errors, errors
