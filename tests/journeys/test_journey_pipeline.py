"""Journey 5 (pipelines): run a two-step pipeline, run it again, change a param.

The first step ends with ``sys.exit(0)``, which is success.
`jupyter mlops pipeline run` is a subprocess; the second run shows both steps as cached, in the
CLI's table and in the REST API of a real Jupyter server (each cached step's run linked to the
run that produced its outputs, with that run's metrics); a changed param reruns only its step.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from .conftest import Journey, get_json, jupyter_server

pytest.importorskip("papermill")
pytest.importorskip("nbclient")

PIPELINE = """\
name: numbers
experiment: numbers
steps:
  prepare:
    notebook: prepare.ipynb
    params: {count: 5}
    outputs: [data/numbers.txt]
  total:
    notebook: total.ipynb
    needs: [prepare]
    params: {scale: 2}
"""

PREPARE = [
    ("count = 3", ["parameters"]),
    ("import os\n"
     "os.makedirs('data', exist_ok=True)\n"
     "with open('data/numbers.txt', 'w') as out:\n"
     "    out.write('\\n'.join(str(i) for i in range(count)))", []),
    # Ending a notebook early with exit status 0 is success, as papermill treats it.
    ("import sys\nsys.exit(0)", []),
    ("open('not-reached.txt', 'w').close()", []),
]

TOTAL = [
    ("scale = 1", ["parameters"]),
    ("import jupyter_mlops as mlops\n"
     "from jupyter_mlops.pipeline import upstream\n"
     "path = upstream('prepare')['data/numbers.txt']\n"
     "numbers = [int(line) for line in open(path).read().split()]\n"
     "mlops.log_metric('total', scale * sum(numbers))", []),
]


def _write_notebook(path: Path, cells: list[tuple[str, list[str]]]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": tags})
                for source, tags in cells]
    nbformat.write(nb, path)


def _states(journey: Journey, *args: str) -> dict[str, dict[str, str]]:
    done = journey.cli("pipeline", "run", *args, "--json")
    return {step["step"]: step for step in json.loads(done.stdout)["steps"]}


def test_pipeline_run_again_is_cached_and_a_param_reruns_its_step(journey: Journey) -> None:
    (journey.root / "pipeline.yaml").write_text(PIPELINE)
    _write_notebook(journey.root / "prepare.ipynb", PREPARE)
    _write_notebook(journey.root / "total.ipynb", TOTAL)

    first = _states(journey)
    assert {step: s["state"] for step, s in first.items()} == {"prepare": "ran", "total": "ran"}
    assert (journey.root / "data" / "numbers.txt").is_file()
    assert not (journey.root / "not-reached.txt").exists()  # sys.exit(0) ended the step

    # Run again: nothing changed, both steps cached; the table says so and names the source.
    again = journey.cli("pipeline", "run")
    rows = {line.split()[0]: line for line in again.stdout.splitlines()
            if line.split()[:1] in (["prepare"], ["total"])}
    assert set(rows) == {"prepare", "total"}, again.stdout
    assert all(row.split()[1] == "cached" for row in rows.values()), again.stdout
    assert f"same key as run {first['total']['run_id']}" in rows["total"]

    # The REST API of a real Jupyter server shows the cached step runs as cached, linked to
    # the runs that produced them and carrying their metrics, not as empty new runs.
    with jupyter_server(journey) as base:
        query = urllib.parse.urlencode({"experiment": "numbers", "limit": 50})
        runs = get_json(f"{base}/jupyter-mlops/api/runs?{query}")["runs"]
    totals = [r for r in runs if r["name"] == "total"]
    assert len(totals) == 2, runs
    cached = [r for r in totals if r.get("cached_from")]
    assert len(cached) == 1, totals
    assert cached[0]["cached_from"] == first["total"]["run_id"]
    assert cached[0]["metrics"] == {"total": 20.0}

    # A changed param reruns that step only; its upstream stays cached.
    changed = _states(journey, "-p", "total.scale=3")
    assert changed["prepare"]["state"] == "cached"
    assert changed["total"]["state"] == "ran"
    shown = journey.cli("runs", "show", changed["total"]["run_id"], "--json")
    assert json.loads(shown.stdout)["metrics"]["total"] == 30.0
