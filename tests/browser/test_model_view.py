"""The model version view in a real JupyterLab and Chromium: its lineage graph and links.

The workspace (shared with the drift and dataset view tests) holds customers@1/@2, a
training run that read customers@1, churn v1 and v2 with @champion on v1, an evaluation of v1
whose plan=pro slice fails (so it is not blessed), two saved drift reports for churn@champion
and three logged requests of v1.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TOKEN, prepared_lab

PREPARE = textwrap.dedent(
    """
    import json, time
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import jupyter_mlops as mlops
    from jupyter_mlops.session import current

    rng = np.random.default_rng(3)
    week1 = pd.DataFrame({"age": rng.integers(18, 80, 400), "income": rng.normal(50, 10, 400),
                          "visits": rng.poisson(3, 400), "tenure": rng.exponential(4, 400),
                          "plan": rng.choice(["basic", "pro"], 400)})
    week2 = week1.assign(income=week1["income"] + 15, tenure=week1["tenure"] * 2)
    mlops.version_data(week1, "customers", description="first week")
    mlops.version_data(week2, "customers")
    y = (week1["income"] > 50).astype(int)
    with mlops.start_run(experiment="churn", name="train-logreg") as run:
        mlops.load_data("customers@1")
        mlops.log_param("C", 0.5)
        mlops.log_metric("auc", 0.87)
        mlops.log_metric("f1", 0.74)
        model = LogisticRegression().fit(week1[["age", "income"]], y)
        logged = mlops.log_model(model, input_example=week1[["age", "income"]].head())
    mlops.register_model(logged.uri, "churn", alias="champion", reason="first candidate")
    mlops.register_model(logged.uri, "churn", description="retrained")
    # An evaluation with a slice built to fail: the labels of plan=pro are inverted.
    flipped = np.where(week1["plan"] == "pro", 1 - y, y)
    mlops.evaluate("churn/1", week1.assign(churned=flipped), label="churned", slices=["plan"],
                   per_slice={"auc": {"lower": 0.7}}, min_slice_size=20)
    report = mlops.drift_report("customers@1", "customers@2", model="churn@champion")
    report.save(name="churn-weekly")
    time.sleep(0.01)
    again = mlops.drift_report("customers@1", "customers@1", model="churn@champion")
    again.save(name="churn-weekly")
    current().store.registry.log_predictions([
        {"name": "churn", "version": 1, "request_id": f"r{i}", "created_at": time.time(),
         "rows": 1, "inputs": json.dumps({"columns": ["age", "income"], "data": [[30, 1.0]]}),
         "predictions": "[1]"} for i in range(3)])
    print(json.dumps({"run": run.id, "report": report.id, "again": again.id}))
    """
)


@pytest.fixture(scope="module")
def views_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    root = tmp_path_factory.mktemp("views-lab")
    with prepared_lab(root, PREPARE + "\nopen('ids.json','w').write(json.dumps("
                      "{'run': run.id, 'report': report.id, 'again': again.id}))") as base:
        yield base, json.loads((root / "ids.json").read_text())


def open_lab(browser, base: str):
    page = browser.new_page(viewport={"width": 1400, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/lab/workspaces/test-{uuid.uuid4().hex[:8]}?token={TOKEN}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.commands"
                           ".hasCommand('mlops:open-model')", timeout=60_000)
    return page, errors


def command(page, name: str, args: dict) -> None:
    # The command's result (a widget) cannot cross to Python: only its completion does.
    page.evaluate("([name, args]) => window.jupyterapp.commands.execute(name, args)"
                  ".then(() => null)", [name, args])


def shots(page, output_dir: Path, name: str, ready, at=None) -> None:
    """A screenshot in the light theme, then in the dark one (``ready`` waits for redraws);
    ``at``, a locator, is scrolled to the top of its view first."""
    from playwright.sync_api import expect

    if at is not None:
        at.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(output_dir / f"view-{name}-light.png"))
    command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false",
                                                   timeout=30_000)
    ready()
    page.wait_for_timeout(800)  # the theme's CSS and plotly's redraw settle (screenshot only)
    page.screenshot(path=str(output_dir / f"view-{name}-dark.png"))
    command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "true",
                                                   timeout=30_000)


def test_lineage_graph_has_its_nodes_and_each_opens_its_view(browser, views_lab, output_dir):
    from playwright.sync_api import expect

    base, ids = views_lab
    page, errors = open_lab(browser, base)
    command(page, "mlops:open-model", {"name": "churn", "version": 1})
    view = page.locator(".jp-mlops-model-view[data-model='churn'][data-version='1']")
    graph = view.locator(".jp-mlops-lineage svg.jp-mlops-graph")
    nodes = graph.locator(".jp-mlops-graph-node")
    expect(nodes).to_have_count(6, timeout=30_000)
    found = {nodes.nth(i).get_attribute("data-node") for i in range(6)}
    assert found == {"dataset:customers@1", f"run:{ids['run']}", "model:churn/1",
                     f"drift:{ids['report']}", f"drift:{ids['again']}", "predictions:churn/1"}
    expect(graph.locator(".jp-mlops-graph-edge")).to_have_count(5)
    # dagre put the data left of the run, the run left of the model, the reports right of it
    xs = {n: graph.locator(f"[data-node='{n}']").bounding_box()["x"]
          for n in ("dataset:customers@1", f"run:{ids['run']}", "model:churn/1",
                    f"drift:{ids['report']}")}
    assert xs["dataset:customers@1"] < xs[f"run:{ids['run']}"] < xs["model:churn/1"] \
        < xs[f"drift:{ids['report']}"]
    expect(view.locator(".jp-mlops-alias[data-alias='champion']")).to_contain_text("version 1")
    expect(view.locator(".jp-mlops-signature")).to_contain_text("income")
    expect(view.locator(".jp-mlops-kv")).to_contain_text("auc")
    expect(view.locator(".jp-mlops-audit")).to_contain_text("first candidate")
    expect(view.locator("iframe.jp-mlops-card-frame")).to_have_attribute("sandbox", "")
    shots(page, output_dir, "model", lambda: None)
    evaluations(page, view, output_dir)

    # Keyboard: the drift node is a button; Enter opens the report's view.
    graph.locator(f"[data-node='drift:{ids['report']}']").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f".jp-mlops-drift-view[data-report='{ids['report']}']")).to_be_visible(
        timeout=30_000)
    # Back on the model's tab, a click on the data node opens the dataset version.
    page.locator(".lm-TabBar-tab", has_text="churn v1").click()
    graph.locator("[data-node='dataset:customers@1']").click()
    expect(page.locator(".jp-mlops-dataset-view[data-dataset='customers'][data-version='1']")
           ).to_be_visible(timeout=30_000)
    # The same object opens the same tab, not a second one.
    command(page, "mlops:open-model", {"name": "churn", "version": 1})
    expect(page.locator(".lm-TabBar-tab", has_text="churn v1")).to_have_count(1)
    # The view comes back after a reload (the tracker restores it).
    page.reload()
    expect(page.locator(".jp-mlops-model-view[data-model='churn'] .jp-mlops-graph-node")
           ).to_have_count(6, timeout=60_000)
    assert not errors, errors
    page.close()


def evaluations(page, view, output_dir: Path) -> None:
    """The evaluation of v1: its verdict in the header, the slices table, the chart."""
    from playwright.sync_api import expect

    expect(view.locator(".jp-mlops-blessing")).to_have_text("NOT blessed")
    section = view.locator(".jp-mlops-evaluations")
    expect(section.locator(".jp-mlops-evaluation[data-blessed='false']")).to_contain_text(
        "NOT blessed: 1 failing check")
    expect(section.locator(".jp-mlops-failures")).to_contain_text("auc on plan=pro")
    rows = section.locator(".jp-mlops-slices-table .jp-mlops-vrow:not(.jp-mlops-vhead)")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("overall")
    expect(section.locator(".jp-mlops-drifted-row")).to_contain_text("plan=pro")
    expect(section.locator(".jp-mlops-drifted-row")).to_contain_text("FAILED")
    chart = section.locator(".jp-mlops-slices-chart[data-rendered='true']")
    # The checked metric first: one bar per slice.
    expect(chart.locator(".barlayer .point")).to_have_count(3, timeout=30_000)
    expect(chart.locator(".xtitle")).to_have_text("auc")
    shots(page, output_dir, "model-evaluations",
          lambda: expect(chart).to_have_attribute("data-theme", "JupyterLab Dark",
                                                  timeout=30_000), at=section)
    section.locator(".jp-mlops-metric-select").select_option("accuracy")
    expect(chart.locator(".xtitle")).to_have_text("accuracy", timeout=30_000)
    expect(chart.locator(".barlayer .point")).to_have_count(3)


def test_a_version_never_evaluated_says_how_to_evaluate_it(browser, views_lab, output_dir):
    from playwright.sync_api import expect

    base, _ids = views_lab
    page, errors = open_lab(browser, base)
    command(page, "mlops:open-model", {"name": "churn", "version": 2})
    view = page.locator(".jp-mlops-model-view[data-model='churn'][data-version='2']")
    expect(view.locator(".jp-mlops-blessing")).to_have_text("not evaluated", timeout=30_000)
    empty = view.locator(".jp-mlops-evaluations .jp-mlops-empty-state")
    expect(empty).to_contain_text("has not been evaluated")
    expect(empty).to_contain_text('mlops.evaluate("churn/2"')
    # Its lineage: the run's data and the run, no reports or log of its own.
    expect(view.locator(".jp-mlops-graph-node")).to_have_count(3)
    shots(page, output_dir, "model-empty", lambda: None, at=view.locator(".jp-mlops-evaluations"))
    assert not errors, errors
    page.close()
