"""Pipelines from the lab: the DAG route, runs started by POST and watched live, last states."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

API = ("jupyter-mlops", "api")

PIPELINE = """\
name: lab-demo
steps:
  prepare:
    notebook: notebooks/prepare.ipynb
    params: {rows: 5}
    outputs: [out/prepared.txt]
  train:
    notebook: notebooks/train.ipynb
    needs: [prepare]
    outputs: [out/model.txt]
  broken:
    notebook: notebooks/broken.ipynb
  after_broken:
    notebook: notebooks/train.ipynb
    needs: [broken]
"""


def notebook(path: Path, *cells: str, parameters: str | None = None) -> None:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3",
                                                           "display_name": "Python 3",
                                                           "language": "python"}})
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def write_pipeline(folder: Path, gate: bool = False) -> Path:
    """The pipeline above in ``folder``; with ``gate`` its first step waits for ``gate.txt``."""
    wait = ("import pathlib, time\n"
            "while not pathlib.Path('gate.txt').exists():\n    time.sleep(0.05)\n") if gate else ""
    notebook(folder / "notebooks" / "prepare.ipynb", wait,
             "import pathlib\npathlib.Path('out').mkdir(exist_ok=True)\n"
             "pathlib.Path('out/prepared.txt').write_text('x' * rows)", parameters="rows = 1")
    notebook(folder / "notebooks" / "train.ipynb",
             "import pathlib\npathlib.Path('out').mkdir(exist_ok=True)\n"
             "pathlib.Path('out/model.txt').write_text('m')\n"
             "import jupyter_mlops as mlops\nmlops.log_metric('auc', 0.8)")
    notebook(folder / "notebooks" / "broken.ipynb", "raise ValueError('no data today')")
    file = folder / "pipeline.yaml"
    file.write_text(PIPELINE)
    return file


@pytest.fixture
def project(tracking, jp_root_dir):
    """The pipeline inside the server's root, under a subfolder as a real project has it."""
    write_pipeline(jp_root_dir / "demo")
    return jp_root_dir / "demo"


async def get(jp_fetch, *parts, **params):
    return json.loads((await jp_fetch(*API, *parts, params=params or None)).body)


async def post(jp_fetch, body, *parts):
    response = await jp_fetch(*API, "pipelines", "runs", *parts, method="POST",
                              body=json.dumps(body))
    return response.code, json.loads(response.body)


async def error_of(jp_fetch, *parts, method="GET", body=None, **params):
    kwargs = {"method": method, "params": params or None}
    if body is not None:
        kwargs["body"] = body
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, *parts, **kwargs)
    return info.value.code, json.loads(info.value.response.body)["error"]


async def finished(jp_fetch, job_id: str) -> dict:
    while True:  # the test's own timeout bounds this; the states, not the time, are checked
        job = (await get(jp_fetch, "pipelines", "runs", job_id))["job"]
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.2)


async def test_dag_run_and_last_run_states(jp_fetch, project):
    listed = await get(jp_fetch, "pipelines")
    assert listed["pipelines"] == [{"path": "demo/pipeline.yaml"}] and listed["jobs"] == []
    graph = await get(jp_fetch, "pipelines", "graph", path="demo/pipeline.yaml")
    assert graph["name"] == "lab-demo" and graph["last_run"] is None
    assert [s["name"] for s in graph["steps"]] == ["prepare", "train", "broken", "after_broken"]
    assert graph["steps"][0]["notebook"] == "demo/notebooks/prepare.ipynb"
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {
        ("prepare", "train"), ("broken", "after_broken")}

    code, body = await post(jp_fetch, {"path": "demo/pipeline.yaml"})
    assert code == 202 and body["job"]["path"] == "demo/pipeline.yaml"
    job = await finished(jp_fetch, body["job"]["id"])
    assert job["state"] == "failed" and job["status"] == "FAILED" and job["run_id"]
    states = {name: step["state"] for name, step in job["steps"].items()}
    assert states == {"prepare": "ran", "train": "ran", "broken": "failed",
                      "after_broken": "skipped"}
    assert job["steps"]["prepare"]["notebook"] == "demo/executed/prepare.ipynb"
    assert (project / "executed" / "prepare.ipynb").is_file()
    assert "no data today" in job["steps"]["broken"]["error"]

    last = (await get(jp_fetch, "pipelines", "graph", path="demo/pipeline.yaml"))["last_run"]
    assert last["run_id"] == job["run_id"] and last["status"] == "FAILED"
    assert {n: s["state"] for n, s in last["steps"].items()} == states
    assert last["steps"]["train"]["run_id"] == job["steps"]["train"]["run_id"]
    assert last["steps"]["train"]["notebook"] == "demo/executed/train.ipynb"

    # Nothing changed: the steps that ran are cached now, and the view says so.
    _, body = await post(jp_fetch, {"path": "demo/pipeline.yaml"})
    again = await finished(jp_fetch, body["job"]["id"])
    assert {n: s["state"] for n, s in again["steps"].items()} == {
        "prepare": "cached", "train": "cached", "broken": "failed", "after_broken": "skipped"}
    last = (await get(jp_fetch, "pipelines", "graph", path="demo/pipeline.yaml"))["last_run"]
    assert last["steps"]["prepare"]["state"] == "cached"
    assert last["steps"]["prepare"]["cached_from"] == job["steps"]["prepare"]["run_id"]
    assert [j["id"] for j in (await get(jp_fetch, "pipelines"))["jobs"]] == [
        body["job"]["id"], job["id"]]


async def test_a_running_pipeline_shows_live_states_and_cannot_start_twice(jp_fetch, tracking,
                                                                          jp_root_dir):
    folder = jp_root_dir / "gated"
    write_pipeline(folder, gate=True)
    _, body = await post(jp_fetch, {"path": "gated/pipeline.yaml", "force": True})
    job_id = body["job"]["id"]
    while True:
        job = (await get(jp_fetch, "pipelines", "runs", job_id))["job"]
        if job["steps"].get("prepare", {}).get("state") == "running":
            break
        await asyncio.sleep(0.1)
    assert job["state"] == "running" and "train" not in job["steps"]
    graph = await get(jp_fetch, "pipelines", "graph", path="gated/pipeline.yaml")
    assert graph["last_run"]["status"] == "RUNNING"
    assert graph["last_run"]["steps"]["prepare"]["state"] == "running"
    assert graph["last_run"]["steps"]["train"]["state"] == "pending"
    code, error = await error_of(jp_fetch, "pipelines", "runs", method="POST",
                                 body=json.dumps({"path": "gated/pipeline.yaml"}))
    assert code == 409 and "already running" in error["message"]
    (folder / "gate.txt").write_text("go")
    job = await finished(jp_fetch, job_id)
    assert job["steps"]["prepare"]["state"] == "ran" and job["steps"]["train"]["state"] == "ran"


async def test_bad_paths_and_bodies_are_one_line_errors(jp_fetch, project, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(PIPELINE)
    (project / "notes.txt").write_text("not a pipeline")
    (project / "link.yaml").symlink_to(outside)
    (project / "bad.yaml").write_text("name: x\nsteps: {a: {notebook: missing.ipynb}}\n")
    for path, code, words in [("../outside.yaml", 400, "stay inside"),
                              ("/etc/hosts.yaml", 400, "relative"),
                              ("demo/notes.txt", 400, "not a pipeline file"),
                              ("demo/link.yaml", 400, "outside the server's root"),
                              ("demo/none.yaml", 404, "No pipeline file"),
                              ("demo/bad.yaml", 400, "missing.ipynb")]:
        got, error = await error_of(jp_fetch, "pipelines", "graph", path=path)
        assert (got, words in error["message"]) == (code, True), (path, error)
        got, error = await error_of(jp_fetch, "pipelines", "runs", method="POST",
                                    body=json.dumps({"path": path}))
        assert got == code, (path, error)
    code, error = await error_of(jp_fetch, "pipelines", "graph")
    assert code == 400 and "?path=" in error["message"]
    for body, words in [("not json", "must be JSON"), ("[1]", "JSON object"),
                        ('{"path": 3}', "path is required"),
                        ('{"path": "demo/pipeline.yaml", "force": "yes"}', "force must be"),
                        ('{"path": "demo/pipeline.yaml", "jobs": 2}', "unknown fields")]:
        code, error = await error_of(jp_fetch, "pipelines", "runs", method="POST", body=body)
        assert code == 400 and words in error["message"], body
    code, error = await error_of(jp_fetch, "pipelines", "runs", "0" * 32)
    assert code == 404 and "No pipeline run job" in error["message"]
    assert (await get(jp_fetch, "pipelines"))["jobs"] == []


async def test_pipeline_routes_need_the_token(jp_fetch, project):
    for parts, method, body in [(("pipelines",), "GET", None),
                                (("pipelines", "graph"), "GET", None),
                                (("pipelines", "runs"), "POST", '{"path": "demo/pipeline.yaml"}'),
                                (("pipelines", "runs", "0" * 32), "GET", None)]:
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(*API, *parts, method=method, body=body,
                           params={"path": "demo/pipeline.yaml"},
                           headers={"Authorization": ""})
        assert info.value.code == 403
    assert not (project / "executed").exists()
