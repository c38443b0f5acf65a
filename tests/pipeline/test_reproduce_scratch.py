"""Reproducing a pipeline step leaves the shared registry and data alone: the step's notebook
runs against a scratch workspace seeded with what it reads (its data versions, the registry),
so a step that registers a model and moves ``@champion`` neither adds a version nor moves the
alias when it is reproduced, and its audit log gains nothing."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd

import jupyter_mlops as mlops
from jupyter_mlops.records import RunStatus
from jupyter_mlops.tracking.queries import search_runs

from .pipeline_helpers import sqlite_only, write_pipeline

PUBLISH = [
    "C = 1.0",
    "import jupyter_mlops as mlops\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "frame = mlops.load_data('iris@1')\n"
    "model = LogisticRegression(C=C, max_iter=500).fit(frame.drop(columns='y'), frame['y'])\n"
    "mlops.log_metric('accuracy', model.score(frame.drop(columns='y'), frame['y']))\n"
    "mlops.log_model(model, 'model')\n"
    "version = mlops.register_model(f'runs:/{mlops.active_run().id}/model', 'iris')\n"
    "mlops.set_alias('iris', 'champion', version.version)",
]


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(PUBLISH[0], metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(PUBLISH[1])]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


@sqlite_only
def test_reproducing_a_publishing_step_moves_no_alias(tracking):
    from sklearn.datasets import load_iris

    root = Path(tracking.root)
    iris = load_iris(as_frame=True)
    mlops.version_data(pd.concat([iris.data, iris.target.rename("y")], axis=1), "iris")
    _notebook(root / "publish.ipynb")
    write_pipeline(root, """\
        name: publishing
        steps:
          publish:
            notebook: publish.ipynb
            params: {C: 0.5}
        """)
    outcome = mlops.run_pipeline(root / "pipeline.yaml", progress=False)
    assert outcome.ok, str(outcome)
    step = search_runs(filter="name = 'publish' and status = 'FINISHED'", max_results=1)[0]
    # The team moves on: a second version, now the champion.
    second = mlops.register_model(f"runs:/{step.id}/model", "iris", alias="champion")
    before_versions = list(mlops.model_versions("iris")["version"])
    before_audit = len(mlops.audit_log("iris"))

    again = mlops.reproduce(step.id)

    assert again.ok, str(again)
    assert [(m.key, m.equal) for m in again.metrics] == [("accuracy", True)]
    assert list(mlops.model_versions("iris")["version"]) == before_versions == [1, 2]
    assert mlops.load_model("iris@champion").version == second.version == 2
    assert len(mlops.audit_log("iris")) == before_audit
    assert list(mlops.dataset_versions("iris")["version"]) == [1]
    record = mlops.get_run(again.run_id)
    assert record.status is RunStatus.FINISHED
    assert record.params == {"C": "0.5"}
    assert record.metrics["accuracy"] == step.metrics["accuracy"]
    assert any(a.path.startswith("executed/") for a in record.artifacts)
    # The pipeline run, its step, and the reproduction: the one run reproduce adds here.
    assert {r.name for r in search_runs(max_results=None)} == {"publishing", "publish",
                                                            "reproduce-publish"}
