"""The sidebar's Pipelines tab in a real JupyterLab and Chromium: it lists the workspace's
pipeline files with their last run's state, and a pipeline opens its main-area view.

``demo/pipeline.yaml`` is the route tests' pipeline (prepare -> train, broken ->
after_broken, where broken raises), run once with the CLI before the lab starts;
``nightly/nightly.pipeline.yaml`` never ran.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.test_pipeline_routes import notebook, write_pipeline

from .conftest import prepared_lab
from .test_pipeline_view import states
from .test_sidebar import open_sidebar

NIGHTLY = """\
name: nightly
steps:
  score:
    notebook: score.ipynb
"""


@pytest.fixture(scope="module")
def pipelines_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("pipelines-tab-lab")
    write_pipeline(root / "demo")
    notebook(root / "nightly" / "score.ipynb", "print('scored')")
    (root / "nightly" / "nightly.pipeline.yaml").write_text(NIGHTLY)
    # The run a user would make, as the tab's empty state says: the broken step fails it.
    cli = Path(sys.executable).with_name("jupyter-mlops")
    script = (f"import subprocess\n"
              f"done = subprocess.run([{str(cli)!r}, 'pipeline', 'run', 'demo/pipeline.yaml'],"
              f" capture_output=True, text=True, timeout=300)\n"
              f"assert done.returncode != 0 and 'no data today' in done.stdout + done.stderr,"
              f" done\n")
    with prepared_lab(root, script) as base:
        yield base


def test_pipelines_tab_lists_last_runs_and_opens_the_view(browser, pipelines_lab, output_dir):
    from playwright.sync_api import expect

    page, panel, errors = open_sidebar(browser, pipelines_lab)
    panel.get_by_role("tab", name="Pipelines").click()
    rows = panel.locator(".jp-mlops-pipeline-row")
    expect(rows).to_have_count(2, timeout=30_000)
    demo = panel.locator(".jp-mlops-pipeline-row[data-item='demo/pipeline.yaml']")
    nightly = panel.locator(".jp-mlops-pipeline-row[data-item='nightly/nightly.pipeline.yaml']")
    expect(demo).to_have_attribute("data-state", "failed", timeout=30_000)
    expect(demo).to_contain_text("failed: 2 ran · 1 failed · 1 skipped")
    expect(demo.locator(".jp-mlops-pipeline-facts")).to_have_text("lab-demo · 4 steps")
    expect(demo).to_contain_text("just now")
    expect(nightly).to_have_attribute("data-state", "never-run")
    expect(nightly).to_contain_text("never run")
    expect(nightly.locator(".jp-mlops-pipeline-facts")).to_have_text("nightly · 1 step")
    page.screenshot(path=str(output_dir / "sidebar-pipelines.png"))

    # A click opens the pipeline's view: its DAG with each step's state in that run.
    demo.locator("button", has_text="demo/pipeline.yaml").click()
    view = page.locator(
        "#jp-main-dock-panel .jp-mlops-pipeline-view[data-path='demo/pipeline.yaml']")
    expect(view.locator(".jp-mlops-graph-node")).to_have_count(4, timeout=30_000)
    expect(view.locator(".jp-mlops-graph-node[data-node='broken']")).to_have_class(
        "jp-mlops-graph-node jp-mlops-step jp-mlops-state-failed", timeout=30_000)
    assert states(view) == {"prepare": "ran", "train": "ran", "broken": "failed",
                            "after_broken": "skipped"}
    page.screenshot(path=str(output_dir / "sidebar-pipeline-view.png"))

    # Keyboard: a row is a tab stop, and Enter opens that pipeline.
    nightly.focus()
    page.keyboard.press("Enter")
    other = page.locator("#jp-main-dock-panel .jp-mlops-pipeline-view"
                         "[data-path='nightly/nightly.pipeline.yaml']")
    expect(other.locator(".jp-mlops-graph-node")).to_have_count(1, timeout=30_000)
    assert states(other) == {"score": "never-run"}
    page.close()
    assert not errors, errors
