"""The Run and Compare views' routes against a real Jupyter server."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

import jupyter_mlops as mlops

API = ("jupyter-mlops", "api")


@pytest.fixture
def runs(tracking, tmp_path):
    ids = []
    with mlops.start_run(experiment="churn", name="sweep") as parent:
        for c in (0.1, 1.0):
            with mlops.start_run(experiment="churn", name=f"C{c}", nested=True) as run:
                mlops.log_param("C", c)
                for step in range(1000):
                    mlops.log_metric("loss", 1 / (step + 1) * c, step=step)
                mlops.log_metric("spike", 0.0, step=0)
                mlops.log_metric("auc", c / 20)
                mlops.log_text("hello", "notes/readme.txt")
                mlops.log_text("a,b\n1,x\n2,y\n", "head.csv")
                mlops.log_text(json.dumps({"data": [{"y": [1, 2]}], "layout": {}}), "fig.json")
                mlops.log_text(json.dumps({"cells": [{"cell_type": "code", "source": ["1+1"],
                                                      "outputs": [{"data": {"text/plain": ["2"]}}]
                                                      }]}), "run.ipynb")
            ids.append(run.id)
    return parent.id, ids


async def get(jp_fetch, *parts, **params):
    response = await jp_fetch(*API, *parts, params=params or None)
    return json.loads(response.body)


async def error_of(jp_fetch, *parts, **params):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, *parts, params=params or None)
    return info.value.code, json.loads(info.value.response.body or b"{}")


async def test_run_view_has_children_and_stepped_metrics(jp_fetch, runs):
    parent, children = runs
    view = await get(jp_fetch, "runs", parent, "view")
    assert [c["id"] for c in view["children"]] == children
    assert view["run"]["name"] == "sweep" and view["duration"] >= 0
    child = await get(jp_fetch, "runs", children[0], "view")
    assert child["stepped"] == ["loss"] and child["children"] == []
    assert child["run"]["parent_id"] == parent


async def test_histories_are_downsampled_keeping_extremes(jp_fetch, runs):
    _, children = runs
    payload = await get(jp_fetch, "runs", children[1], "histories", max_points="100")
    loss = payload["histories"]["loss"]
    assert loss["total"] == 1000 and loss["downsampled"] and len(loss["values"]) <= 100
    assert max(loss["values"]) == 1.0 and min(loss["values"]) == pytest.approx(1 / 1000)
    assert loss["steps"] == sorted(loss["steps"])
    assert payload["histories"]["auc"] == {"total": 1, "downsampled": False, "steps": [0],
                                           "values": [0.05]}
    one = await get(jp_fetch, "runs", children[1], "histories", key="auc")
    assert list(one["histories"]) == ["auc"]


async def test_compare_takes_two_to_twenty_runs(jp_fetch, runs):
    _, children = runs
    raw = await jp_fetch(*API, "compare", params=[("id", i) for i in children])
    payload = json.loads(raw.body)
    assert [r["id"] for r in payload["runs"]] == children
    assert set(payload["histories"][children[0]]) == {"loss", "auc", "spike"}
    code, body = await error_of(jp_fetch, "compare", id=children[0])
    assert code == 400 and "2 to 20" in body["error"]["message"]


async def test_view_stats_are_each_metrics_true_count_and_range(jp_fetch, runs):
    _, children = runs
    view = await get(jp_fetch, "runs", children[1], "view")
    assert view["metric_stats"] == {
        "loss": {"total": 1000, "min": pytest.approx(1 / 1000), "max": 1.0},
        "spike": {"total": 1, "min": 0.0, "max": 0.0},
        "auc": {"total": 1, "min": 0.05, "max": 0.05},
    }
    assert view["stepped"] == ["loss"]


async def test_histories_of_one_key_hold_only_that_key(jp_fetch, runs):
    _, children = runs
    payload = await get(jp_fetch, "runs", children[0], "histories", key="loss", max_points="50")
    assert list(payload["histories"]) == ["loss"]
    assert payload["histories"]["loss"]["total"] == 1000
    raw = await jp_fetch(*API, "runs", children[0], "histories",
                         params=[("key", "auc"), ("key", "spike")])
    assert sorted(json.loads(raw.body)["histories"]) == ["auc", "spike"]


async def test_compare_reads_only_the_asked_histories(jp_fetch, runs):
    _, children = runs
    ids = [("id", i) for i in children]
    lean = json.loads((await jp_fetch(*API, "compare",
                                      params=[*ids, ("histories", "false")])).body)
    assert lean["histories"] == {i: {} for i in children}
    assert lean["stepped"] == {i: ["loss"] for i in children}
    one = json.loads((await jp_fetch(*API, "compare", params=[*ids, ("key", "loss")])).body)
    assert {i: list(h) for i, h in one["histories"].items()} == {i: ["loss"] for i in children}
    whole = await get(jp_fetch, "runs", children[0], "histories", key="loss")
    assert one["histories"][children[0]]["loss"] == whole["histories"]["loss"]
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, "compare", params=[*ids, ("histories", "maybe")])
    assert info.value.code == 400 and b"histories" in info.value.response.body


async def test_previews_by_kind(jp_fetch, runs):
    run = runs[1][0]
    text = await get(jp_fetch, "runs", run, "preview", "notes/readme.txt")
    assert text["kind"] == "text" and text["text"] == "hello"
    table = await get(jp_fetch, "runs", run, "preview", "head.csv")
    assert table["kind"] == "table" and table["columns"] == ["a", "b"]
    assert table["rows"] == [[1, "x"], [2, "y"]]
    fig = await get(jp_fetch, "runs", run, "preview", "fig.json")
    assert fig["kind"] == "plotly" and fig["figure"]["data"] == [{"y": [1, 2]}]
    nb = await get(jp_fetch, "runs", run, "preview", "run.ipynb")
    assert nb["kind"] == "notebook" and nb["cells"][0]["outputs"] == ["2"]
    code, _ = await error_of(jp_fetch, "runs", run, "preview", "../../etc/passwd")
    assert code == 404


async def test_unknown_run_is_a_404(jp_fetch, runs):
    for route in ("view", "histories"):
        code, body = await error_of(jp_fetch, "runs", "f" * 32, route)
        assert code == 404 and body["error"]["type"] == "NotFound"


def test_notebook_location_is_relative_to_the_root(tmp_path):
    from jupyter_mlops.tracking.run_views import notebook_location

    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "train.ipynb").write_text("{}")
    inside = notebook_location(str(tmp_path / "work" / "train.ipynb"), str(tmp_path))
    assert inside == {"path": str(tmp_path / "work" / "train.ipynb"),
                      "relative": "work/train.ipynb", "exists": True, "message": None}
    gone = notebook_location(str(tmp_path / "old.ipynb"), str(tmp_path))
    assert gone["relative"] == "old.ipynb" and "no longer exists" in gone["message"]
    outside = notebook_location("/elsewhere/x.ipynb", str(tmp_path / "work"))
    assert outside["relative"] is None and "outside the server's root" in outside["message"]
    assert notebook_location(None, str(tmp_path)) is None
