"""The README's first journey, done by a user in a real JupyterLab and Chromium.

A notebook with ``%load_ext jupyter_mlops``, a ``%%mlops_track`` cell fitting a random forest on
sklearn's wine data and logging its accuracy, and ``%mlops_register wine model`` is opened in
the lab and run on a real kernel; the sidebar's Models tab then shows "wine" version 1 with the
accuracy that run logged.
"""

from __future__ import annotations

import json
import re
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from .conftest import TOKEN, start_lab, stop_lab
from .test_sidebar import widen_sidebar

IMPORTS = textwrap.dedent(
    """\
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    import jupyter_mlops as mlops

    X, y = load_wine(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=1)"""
)
# A shallow forest: its accuracy (0.9815) is not a round 1.0 the page could show by chance.
TRAIN = textwrap.dedent(
    """\
    model = RandomForestClassifier(n_estimators=10, max_depth=2, random_state=0)
    model.fit(X_train, y_train)
    accuracy = accuracy_score(y_test, model.predict(X_test))
    mlops.log_metric("accuracy", accuracy)
    print(f"accuracy {accuracy:.4f}")"""
)
CELLS = [
    "%load_ext jupyter_mlops",
    IMPORTS,
    "%%mlops_track -e wine\n" + TRAIN,
    "%mlops_register wine model",
]
NOTEBOOK = "wine.ipynb"


def expected_accuracy() -> float:
    """The accuracy the tracked cell computes: the same seeded split and fit, done here."""
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    X, y = load_wine(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=1)
    model = RandomForestClassifier(n_estimators=10, max_depth=2, random_state=0)
    model.fit(X_train, y_train)
    return float(accuracy_score(y_test, model.predict(X_test)))


def as_shown(value: float) -> str:
    """A metric as the sidebar writes it (formatMetric: at most 4 decimals, no trailing 0s)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("journey-lab")
    (root / ".mlops").mkdir()
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                   "language": "python"}
    nbformat.write(book, root / NOTEBOOK)
    base, proc = start_lab(root)
    try:
        yield base
    finally:
        stop_lab(proc)


def run_notebook(page) -> list[dict]:
    """Open the notebook through the lab's commands, run every cell once its kernel is ready,
    and return the cells as the notebook model holds them (outputs included)."""
    page.evaluate(
        "path => window.jupyterapp.commands.execute('docmanager:open',"
        " {path, factory: 'Notebook', kernel: {name: 'python3'}}).then(() => null)",
        NOTEBOOK,
    )
    page.wait_for_function(
        "path => window.jupyterapp.shell.currentWidget?.context?.path === path",
        arg=NOTEBOOK, timeout=60_000)
    # Running before the session has its kernel executes nothing: wait for both.
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.ready"
                  ".then(() => null)")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel"
        "?.status === 'idle'", timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')"
                  ".then(() => null)")
    # The command resolves when the last cell is done; the count is the model's own proof.
    page.wait_for_function(
        "() => { const cells = window.jupyterapp.shell.currentWidget.content.model.cells;"
        " const last = cells.get(cells.length - 1).toJSON();"
        " return last.execution_count !== null && last.outputs.length > 0; }",
        timeout=180_000)
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
        " === 'idle'", timeout=60_000)
    return json.loads(page.evaluate(
        "() => { const cells = window.jupyterapp.shell.currentWidget.content.model.cells;"
        " const out = []; for (let i = 0; i < cells.length; i++)"
        " out.push(cells.get(i).toJSON()); return JSON.stringify(out); }"))


def shoot_notebook(page, path: Path) -> None:
    """A screenshot of the whole notebook: the page made as tall as its cells."""
    height = page.evaluate(
        "() => document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')"
        ".scrollHeight")
    before = page.viewport_size
    page.set_viewport_size({"width": before["width"], "height": min(height + 200, 4000)})
    page.wait_for_timeout(500)  # the windowed notebook renders the cells now in view
    page.screenshot(path=str(path))
    page.set_viewport_size(before)


def test_notebook_tracks_registers_and_the_models_tab_shows_it(browser, lab, output_dir: Path):
    from playwright.sync_api import expect

    value = expected_accuracy()
    accuracy = as_shown(value)
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{lab}/lab/workspaces/journey-{uuid.uuid4().hex[:8]}?token={TOKEN}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.commands"
                           ".hasCommand('docmanager:open')", timeout=60_000)

    cells = run_notebook(page)
    assert [c["execution_count"] for c in cells] == [1, 2, 3, 4], cells
    for cell in cells:
        text = json.dumps(cell["outputs"])
        assert "Error" not in text and "Traceback" not in text, cell
    train, register = json.dumps(cells[2]["outputs"]), json.dumps(cells[3]["outputs"])
    assert f"accuracy {value:.4f}" in train, train
    # The run card names the tracked run; the registered version says it came from that run.
    run_id = re.search(r"FINISHED.*?\b([0-9a-f]{32})\b", train).group(1)
    assert "wine/1" in register and f"from run {run_id[:8]}" in register, register
    # What the user sees: the run card under the tracked cell, the registration under the last.
    notebook = page.locator("#jp-main-dock-panel .jp-NotebookPanel")
    outputs = notebook.locator(".jp-Cell.jp-CodeCell .jp-OutputArea")
    expect(outputs.nth(2)).to_contain_text(f"accuracy {value:.4f}")
    expect(outputs.nth(3)).to_contain_text("wine")
    expect(notebook.locator(".jp-InputPrompt").nth(3)).to_contain_text("[4]")
    expect(notebook.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    # The status bar follows the notebook's run to its end (it polls every 3 s).
    expect(page.locator(".jp-mlops-status-item")).to_contain_text("finished", timeout=45_000)
    shoot_notebook(page, output_dir / "journey-notebook.png")

    page.locator(
        '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]'
    ).click()
    panel = page.locator("#jupyter-mlops-sidebar")
    widen_sidebar(page, panel, 640)
    panel.get_by_role("tab", name="Models").click()
    row = panel.locator(".jp-mlops-model-row[data-item='wine']")
    expect(row).to_be_visible(timeout=30_000)
    expect(row.locator("td").nth(1)).to_have_text("1")  # one version
    row.locator("button", has_text="wine").click()

    model = panel.locator(".jp-mlops-model[data-model='wine']")
    versions = model.locator(".jp-mlops-version-row")
    expect(versions).to_have_count(1, timeout=30_000)
    version = model.locator(".jp-mlops-version-row[data-version='1']")
    expect(version).to_contain_text("READY")
    header = model.locator(".jp-mlops-versions thead")
    expect(header).to_contain_text("accuracy")
    # The accuracy column holds the value the run logged.
    titles = [t.strip() for t in header.locator("th").all_inner_texts()]
    cell = version.locator("td").nth(titles.index("accuracy"))
    expect(cell).to_have_text(accuracy)
    # The version's run is the notebook's tracked run (the table shows an id's end).
    expect(version.locator(".jp-mlops-link").first).to_have_text(run_id[-8:])
    page.screenshot(path=str(output_dir / "journey-models-tab.png"))

    # The version's main-area view shows the same metric among the run's.
    page.evaluate("() => window.jupyterapp.commands.execute('mlops:open-model',"
                  " {name: 'wine', version: 1}).then(() => null)")
    view = page.locator(".jp-mlops-model-view[data-model='wine'][data-version='1']")
    metrics = view.locator(".jp-mlops-kv", has_text="accuracy")
    expect(metrics).to_contain_text(accuracy, timeout=30_000)
    expect(metrics).to_contain_text("training_score")
    page.screenshot(path=str(output_dir / "journey-model-view.png"))
    page.close()
    assert not errors, errors
