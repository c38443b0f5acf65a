"""Every REST route against a real Jupyter server: auth, validation, errors, traversal."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

import jupyter_mlops as mlops
from jupyter_mlops.session import current

API = ("jupyter-mlops", "api")


@pytest.fixture
def runs(tracking, tmp_path):
    ids = []
    for c in (0.1, 1.0, 10.0):
        with mlops.start_run(experiment="churn", tags={"owner": "ana"}) as run:
            mlops.log_param("C", c)
            for step in range(50):
                mlops.log_metric("loss", 1 / (step + 1) * c)
            mlops.log_metric("auc", c / 20)
            mlops.log_metric("bad", float("nan"))
            mlops.log_text("hello", "notes/readme.txt")
            mlops.log_text("<script>alert(1)</script>", "page.html")
        ids.append(run.id)
    return ids


async def get(jp_fetch, *parts, **params):
    response = await jp_fetch(*API, *parts, params=params or None)
    return json.loads(response.body)


async def error_of(jp_fetch, *parts, method="GET", headers=None, **params):
    with pytest.raises(HTTPClientError) as info:
        kwargs = {"params": params or None, "method": method}
        if headers is not None:
            kwargs["headers"] = headers
        await jp_fetch(*API, *parts, **kwargs)
    return info.value.code, json.loads(info.value.response.body or b"{}")


async def test_info_and_experiments(jp_fetch, runs):
    payload = await get(jp_fetch, "info")
    assert payload["runs"] == 3 and payload["backend"] in ("sqlite", "postgresql")
    names = [e["name"] for e in (await get(jp_fetch, "experiments"))["experiments"]]
    assert names == ["churn"]


async def test_runs_filter_sort_paginate(jp_fetch, runs):
    page = await get(jp_fetch, "runs", filter="metrics.auc > 0.01", order_by="metrics.auc DESC",
                     limit="1", offset="1")
    assert page["total"] == 2 and page["limit"] == 1 and page["offset"] == 1
    assert [r["id"] for r in page["runs"]] == [runs[1]]
    first = page["runs"][0]
    assert first["params"] == {"C": "1.0"} and first["metrics"]["bad"] == "NaN"


async def test_bad_input_is_a_400_with_the_error_shape(jp_fetch, runs):
    code, body = await error_of(jp_fetch, "runs", filter="metrics.auc >")
    assert code == 400
    assert body["error"]["type"] == "QuerySyntaxError"
    assert "position" in body["error"]["message"]
    code, body = await error_of(jp_fetch, "runs", limit="5000")
    assert code == 400 and "limit" in body["error"]["message"]
    code, body = await error_of(jp_fetch, "runs", deleted="maybe")
    assert code == 400


async def test_run_detail_and_unknown_run(jp_fetch, runs):
    run = (await get(jp_fetch, "runs", runs[0]))["run"]
    assert run["id"] == runs[0] and run["status"] == "FINISHED"
    assert {a["path"] for a in run["artifacts"]} == {"notes/readme.txt", "page.html"}
    code, body = await error_of(jp_fetch, "runs", "f" * 32)
    assert code == 404 and body["error"]["type"] == "NotFound"


async def test_metric_history_is_downsampled(jp_fetch, runs):
    full = await get(jp_fetch, "runs", runs[2], "metrics", "loss")
    assert full["total"] == 50 and not full["downsampled"] and len(full["values"]) == 50
    small = await get(jp_fetch, "runs", runs[2], "metrics", "loss", max_points="10")
    assert small["downsampled"] and len(small["values"]) <= 10
    assert max(small["values"]) == max(full["values"])  # extremes survive


async def test_artifact_streams_only_recorded_files(jp_fetch, runs):
    response = await jp_fetch(*API, "runs", runs[0], "artifacts", "notes/readme.txt")
    assert response.body == b"hello"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = await jp_fetch(*API, "runs", runs[0], "artifacts", "page.html")
    assert html.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("path", [
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "notes/../../mlops.db",
    "notes%5C..%5C..%5Cmlops.db",
])
async def test_path_traversal_is_refused(jp_fetch, runs, path):
    code, body = await error_of(jp_fetch, "runs", runs[0], "artifacts", path)
    assert code == 404
    assert "root:" not in json.dumps(body)


async def test_a_blob_swapped_for_a_symlink_is_not_followed(jp_fetch, runs, tmp_path):
    run = mlops.get_run(runs[0])
    digest = next(a.digest for a in run.artifacts if a.path == "notes/readme.txt")
    blob = Path(current().store.artifacts.path(digest))
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    blob.unlink()
    os.symlink(secret, blob)
    code, body = await error_of(jp_fetch, "runs", runs[0], "artifacts", "notes/readme.txt")
    assert code == 500 and "outside the artifact store" in body["error"]["message"]


async def test_every_route_requires_authentication(jp_fetch, runs):
    for parts in (("info",), ("experiments",), ("runs",), ("runs", runs[0]),
                  ("runs", runs[0], "metrics", "loss"),
                  ("runs", runs[0], "artifacts", "notes/readme.txt")):
        code, _ = await error_of(jp_fetch, *parts, headers={"Authorization": ""})
        assert code == 403, parts
