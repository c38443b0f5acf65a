"""The pipeline view in a real JupyterLab and Chromium: opened from the file browser's menu,
its DAG follows a run started from the view, step by step, and a second run started from the
menu finds the cached steps.

The pipeline is the route tests' (tests/server/test_pipeline_routes.py): prepare -> train, and
broken -> after_broken, where broken raises; its first step waits for ``gate.txt``, so the test
sees it running before it lets it finish.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.test_pipeline_routes import write_pipeline

from .conftest import prepared_lab
from .test_model_view import command, open_lab, shots

STEPS = ("prepare", "train", "broken", "after_broken")


@pytest.fixture(scope="module")
def pipeline_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("pipeline-lab")
    write_pipeline(root / "demo", gate=True)
    with prepared_lab(root, "import jupyter_mlops") as base:
        yield base, root / "demo"


def states(view) -> dict[str, str]:
    """Each node's state, read from its class (jp-mlops-state-<state>)."""
    found = {}
    for node in view.locator(".jp-mlops-graph-node").all():
        classes = node.get_attribute("class").split()
        state = next(c for c in classes if c.startswith("jp-mlops-state-"))
        found[node.get_attribute("data-node")] = state.removeprefix("jp-mlops-state-")
    return found


def node(view, step: str):
    return view.locator(f".jp-mlops-graph-node[data-node='{step}']")


def open_from_menu(page, item: str) -> None:
    """Right-click demo/pipeline.yaml in the file browser and choose ``item``."""
    listing = page.locator(".jp-DirListing-content")
    folder = listing.locator(".jp-DirListing-item[data-file-type='directory']", has_text="demo")
    if folder.count():
        folder.dblclick()
    entry = listing.locator(".jp-DirListing-item", has_text="pipeline.yaml")
    entry.click(button="right")
    menu = page.locator(".lm-Menu")
    assert menu.locator(".lm-Menu-item", has_text="Open pipeline").count() == 1
    assert menu.locator(".lm-Menu-item", has_text="Run pipeline").count() == 1
    menu.locator(".lm-Menu-item", has_text=item).click()


def test_a_run_started_from_the_view_draws_live_step_states(browser, pipeline_lab,
                                                            output_dir):
    from playwright.sync_api import expect

    base, folder = pipeline_lab
    page, errors = open_lab(browser, base)
    command(page, "filebrowser:activate", {})  # shown, whatever the workspace restored
    open_from_menu(page, "Open pipeline")
    view = page.locator(".jp-mlops-pipeline-view[data-path='demo/pipeline.yaml']")
    expect(view.locator(".jp-mlops-graph-node")).to_have_count(4, timeout=30_000)
    edges = view.locator(".jp-mlops-graph-edge")
    expect(edges).to_have_count(2)
    assert {(e.get_attribute("data-source"), e.get_attribute("data-target"))
            for e in edges.all()} == {("prepare", "train"), ("broken", "after_broken")}
    assert states(view) == dict.fromkeys(STEPS, "never-run")
    # dagre: each edge runs left to right.
    assert node(view, "prepare").bounding_box()["x"] < node(view, "train").bounding_box()["x"]
    expect(view.locator(".jp-mlops-job-line")).to_contain_text("Never run")

    view.locator("button.jp-mlops-run-pipeline").click()
    # Live: the first step runs (waiting for the gate), the others wait their turn.
    expect(node(view, "prepare")).to_have_class("jp-mlops-graph-node jp-mlops-step "
                                                "jp-mlops-state-running", timeout=90_000)
    expect(view).to_have_attribute("data-running", "true")
    expect(view.locator(".jp-mlops-job-line")).to_contain_text("Running now")
    assert states(view)["train"] == "pending"
    expect(view.locator("button.jp-mlops-run-pipeline")).to_be_disabled()
    page.screenshot(path=str(output_dir / "view-pipeline-running-light.png"))
    (folder / "gate.txt").write_text("go")

    expect(view).to_have_attribute("data-running", "false", timeout=180_000)
    expect(view.locator(".jp-mlops-job-line")).to_contain_text("This run failed")
    assert states(view) == {"prepare": "ran", "train": "ran", "broken": "failed",
                            "after_broken": "skipped"}
    table = view.locator(".jp-mlops-steps-table")
    broken = table.locator(".jp-mlops-vrow", has_text="broken").first
    # The failing cell, named in its row.
    expect(broken).to_contain_text("cell 1: ValueError: no data today")
    # Each step that ran links its step run and its executed notebook.
    prepare = table.locator(".jp-mlops-vrow", has_text="prepare")
    expect(prepare.locator("button.jp-mlops-link")).to_have_count(2)
    shots(page, output_dir, "pipeline", lambda: None)

    # The executed notebook opens from its node.
    node(view, "train").click()
    expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=60_000)
    page.locator(".lm-TabBar-tab", has_text="Pipeline demo/pipeline.yaml").click()

    # Run again from the file browser's menu: the view follows it, finding the cache.
    open_from_menu(page, "Run pipeline")
    for step, state in (("prepare", "cached"), ("train", "cached"), ("broken", "failed")):
        expect(node(view, step)).to_have_class(f"jp-mlops-graph-node jp-mlops-step "
                                               f"jp-mlops-state-{state}", timeout=180_000)
    expect(view).to_have_attribute("data-running", "false", timeout=60_000)
    expect(page.locator(".lm-TabBar-tab", has_text="Pipeline demo/pipeline.yaml")
           ).to_have_count(1)
    assert not errors, errors
    page.close()
