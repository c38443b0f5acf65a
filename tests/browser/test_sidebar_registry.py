"""The Models, Data and Drift tabs in a real JupyterLab and a real browser.

The workspace holds a model with two versions and @champion on version 1, a dataset with two
versions, and a saved drift report linking them; the test moves @champion through the dialog
and checks the move in the UI and in the store.
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


def test_models_tab_moves_an_alias_through_the_dialog(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    base, root = lab
    page, panel, errors = open_sidebar(browser, base)
    tab(panel, "Models").click()
    row = panel.locator(".jp-mlops-model-row[data-item='churn']")
    expect(row).to_contain_text("@champion → 1", timeout=30_000)
    row.locator("button", has_text="churn").click()

    model = panel.locator(".jp-mlops-model[data-model='churn']")
    expect(model.locator(".jp-mlops-version-row")).to_have_count(2)
    expect(model.locator(".jp-mlops-alias[data-alias='champion']")).to_contain_text("version 1")
    # Lineage: each version names the data its run read.
    expect(model.locator(".jp-mlops-version-row").first).to_contain_text("customers@1")
    page.screenshot(path=str(output_dir / "sidebar-models.png"))

    model.get_by_role("button", name="Move @champion").click()
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

    expect(model.locator(".jp-mlops-notice")).to_contain_text("@champion now names version 2")
    expect(model.locator(".jp-mlops-alias[data-alias='champion']")).to_contain_text("version 2")
    newest = model.locator(".jp-mlops-audit-row").first
    expect(newest).to_contain_text("@champion 1 → 2")
    expect(newest).to_contain_text("v2 wins on the holdout")

    # The card of a version renders in its sandboxed frame.
    model.locator(".jp-mlops-version-row[data-version='2']").get_by_role("button",
                                                                       name="Card").click()
    frame = page.frame_locator(".jp-mlops-card-frame")
    expect(frame.locator("h1")).to_contain_text("churn version 2", timeout=30_000)
    page.screenshot(path=str(output_dir / "sidebar-model-card.png"))

    # A version's run opens in the Runs tab.
    model.locator(".jp-mlops-version-row[data-version='2'] .jp-mlops-link").first.click()
    expect(panel.locator(".jp-mlops-detail h3")).to_have_text("train-C1.0")
    expect(tab(panel, "Runs")).to_have_attribute("aria-selected", "true")
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


def test_data_tab_shows_versions_profiles_and_diff(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    page, panel, errors = open_sidebar(browser, lab[0])
    tab(panel, "Data").click()
    row = panel.locator(".jp-mlops-dataset-row[data-item='customers']")
    expect(row).to_contain_text("2", timeout=30_000)
    row.locator("button", has_text="customers").click()

    dataset = panel.locator(".jp-mlops-dataset[data-dataset='customers']")
    expect(dataset.locator(".jp-mlops-data-version-row")).to_have_count(2)
    profile = dataset.locator(".jp-mlops-profile[data-version='2']")
    expect(profile).to_contain_text("visits")
    expect(profile).to_contain_text("income")
    dataset.locator(".jp-mlops-data-version-row[data-version='1']").get_by_role(
        "button", name="Profile").click()
    expect(dataset.locator(".jp-mlops-profile[data-version='1']")).not_to_contain_text("visits")

    diff = dataset.locator(".jp-mlops-diff")
    expect(diff.locator(".jp-mlops-diff-summary")).to_contain_text("customers@1")
    expect(diff).to_contain_text("Added columns: visits")
    expect(diff.locator(".jp-mlops-diff-changes")).to_contain_text("income")
    page.screenshot(path=str(output_dir / "sidebar-data.png"))
    page.close()
    assert not errors, errors


def test_drift_tab_draws_scores_and_overlays(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    page, panel, errors = open_sidebar(browser, lab[0])
    tab(panel, "Drift").click()
    row = panel.locator(".jp-mlops-report-row").first
    expect(row).to_contain_text("churn-weekly", timeout=30_000)
    expect(row).to_contain_text("DRIFTED")
    row.locator("button", has_text="churn-weekly").click()

    report = panel.locator(".jp-mlops-report")
    chart = report.locator(".jp-mlops-chart[data-rendered='true'] .main-svg").first
    expect(chart).to_be_visible(timeout=60_000)
    expect(report.locator(".jp-mlops-drift-columns")).to_contain_text("income")
    page.screenshot(path=str(output_dir / "sidebar-drift.png"))

    report.locator(".jp-mlops-drift-columns button", has_text="income").click()
    overlay = report.locator(
        ".jp-mlops-overlay .jp-mlops-chart[data-rendered='true'] .main-svg").first
    expect(overlay).to_be_visible(timeout=60_000)
    expect(report.locator(".jp-mlops-overlay .legendtext")).to_have_count(2)
    page.screenshot(path=str(output_dir / "sidebar-drift-overlay.png"))

    # Linked: the data versions and the model version the report compared.
    report.locator(".jp-mlops-links button", has_text="churn@champion").click()
    expect(panel.locator(".jp-mlops-model[data-model='churn']")).to_be_visible()
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
    expect(tab(panel, "Drift")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(runs).to_have_attribute("aria-selected", "true")

    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme',"
                  " {theme: 'JupyterLab Dark'})")
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false",
                                                   timeout=30_000)
    tab(panel, "Drift").click()
    panel.locator(".jp-mlops-report-row button").first.click()
    expect(panel.locator(".jp-mlops-chart[data-rendered='true'] .main-svg").first).to_be_visible(
        timeout=60_000)
    color = panel.evaluate("node => getComputedStyle(node).backgroundColor")
    assert color not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), color
    page.screenshot(path=str(output_dir / "sidebar-drift-dark.png"))
    page.close()
    assert not errors, errors
