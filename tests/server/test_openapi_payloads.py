"""What a real Jupyter server answers is what the OpenAPI document says it answers.

A workspace with a run (git state, artifacts, lineage, a nested run), DataFrame and file data
versions, a saved drift report, an evaluation and a replay is served; every JSON GET route of
openapi.yaml and openapi/views.yaml is fetched and its body validated with ``jsonschema``
against the route's 2xx schema. The check is strict both ways: a field the server sends that
the schema does not list fails (an object schema with ``properties`` closes unless it says
``additionalProperties``), and so does a required field the server leaves out.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import jupyter_mlops as mlops
from jupyter_mlops.evaluate import evaluate, replay
from jupyter_mlops.server.spec import load_spec
from jupyter_mlops.session import current

API = ("jupyter-mlops", "api")

# The routes whose bodies need a workspace of their own (a pipeline file, a sweep, a job).
NOT_FETCHED = {"GET /pipelines", "GET /pipelines/graph", "GET /pipelines/runs/{job_id}",
               "GET /sweeps/{run_id}"}


def json_schema(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema as a closed JSON Schema: $refs inlined, allOf merged,
    ``nullable`` as a null alternative, objects with properties closed unless they say
    otherwise."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            while "$ref" in part:
                part = spec["components"]["schemas"][part["$ref"].rsplit("/", 1)[-1]]
            merged.setdefault("type", part.get("type"))
            merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
            merged["required"] = [*merged.get("required", []), *part.get("required", [])]
            if "additionalProperties" in part:
                merged.setdefault("additionalProperties", part["additionalProperties"])
        schema = merged
    out: dict[str, Any] = {}
    for key in ("oneOf", "anyOf"):
        if key in schema:
            out[key] = [json_schema(part, spec) for part in schema[key]]
    for key in ("type", "enum", "required", "minimum", "maximum", "pattern"):
        if schema.get(key) is not None:
            out[key] = schema[key]
    if "items" in schema:
        out["items"] = json_schema(schema["items"], spec)
    if "properties" in schema:
        out["properties"] = {k: json_schema(v, spec) for k, v in schema["properties"].items()}
    extra = schema.get("additionalProperties", "properties" not in schema)
    out["additionalProperties"] = json_schema(extra, spec) if isinstance(extra, dict) else extra
    if schema.get("nullable"):
        return {"anyOf": [{"type": "null"}, out]}
    return out


def body_schema(route: str) -> dict[str, Any]:
    spec = load_spec()
    verb, path = route.split(" ", 1)
    responses = spec["paths"][path][verb.lower()]["responses"]
    status = min(code for code in responses if code.startswith("2"))
    return json_schema(responses[status]["content"]["application/json"]["schema"], spec)


def mismatches(route: str, body: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(body_schema(route))
    return [f"{route} at {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
            for e in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=root, check=True, capture_output=True)


@pytest.fixture
def served(jp_fetch, tracking) -> dict[str, str]:
    """Everything the lab's views show, made through the public API; returns the ids."""
    # The started server's session records runs from its root folder: the repository goes
    # there, so the runs have a git state to send.
    root = Path(current().store.workspace.root)
    (root / "train.py").write_text("print('v1')\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "train.py")
    git(root, "commit", "-q", "-m", "first")
    git(root, "remote", "add", "origin", "https://example.com/churn.git")
    (root / "train.py").write_text("print('v2')\n")  # dirty: the run keeps the diff
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame({
        "x": rng.normal(size=n), "age": rng.integers(18, 80, n).astype("int64"),
        "plan": rng.choice(["basic", "pro"], n), "active": rng.random(n) < 0.5,
        "seen": pd.date_range("2026-01-01", periods=n, freq="h"),
        "empty": np.full(n, np.nan)})
    frame["y"] = ((frame["x"] + rng.normal(scale=0.5, size=n)) > 0).astype(int)
    mlops.version_data(frame, "customers", description="first pull")
    mlops.version_data(frame.assign(x=frame["x"] + 1.5), "customers")
    raw = root / "raw.csv"
    frame.head(5).to_csv(raw, index=False)
    mlops.version_data(str(raw), "raw")
    features = ["x", "age"]
    with mlops.start_run(experiment="churn", name="train", tags={"owner": "ana"}) as run:
        train = mlops.load_data("customers@1")
        mlops.log_param("C", 1.0)
        for step in range(5):
            mlops.log_metric("loss", 1 / (step + 1))
        mlops.log_metric("bad", float("nan"))
        mlops.log_text("hello", "notes/readme.txt")
        with mlops.start_run(name="child", nested=True):
            mlops.log_metric("auc", 0.5)
        model = LogisticRegression().fit(train[features], train["y"])
        logged = mlops.log_model(model, input_example=train[features].head(3))
    with mlops.start_run(experiment="churn", name="other") as other:
        mlops.log_metric("loss", 0.3)
    mlops.register_model(logged.uri, "churn", alias="champion", reason="first")
    mlops.register_model(logged.uri, "churn", alias="candidate", reason="second")
    report = mlops.drift_report("customers@1", "customers@2", model="churn@champion")
    report.save(name="nightly")
    evaluation = evaluate("churn/2", frame, label="y", slices=["plan"], baseline="churn/1",
                          per_slice={"auc": {"lower": 0.6}}, min_slice_size=20,
                          thresholds={"auc": {"change": {"min_delta": -0.1}}})
    rows = frame.head(40)
    answers = model.predict(rows[features])
    current().store.registry.log_predictions([{
        "name": "churn", "version": 1, "request_id": f"r{i}", "created_at": time.time(),
        "rows": 1, "inputs": json.dumps({"columns": features,
                                         "data": [rows[features].iloc[i].tolist()]}),
        "predictions": json.dumps([int(answers[i])])} for i in range(len(rows))])
    labels = pd.DataFrame({"request_id": [f"r{i}" for i in range(len(rows))],
                           "y": rows["y"].to_numpy(), "plan": rows["plan"].to_numpy()})
    replayed = replay("churn/2", against="churn@champion", since="1h", labels=labels,
                      label="y", slices=["plan"], min_agreement=0.5, min_slice_size=5)
    return {"run": run.id, "other": other.id, "report": report.id,
            "evaluation": evaluation.id, "replay": replayed.id}


def requests(ids: dict[str, str]) -> list[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """Each documented route with the path and query that reach the served workspace."""
    run = ids["run"]
    return [
        ("GET /info", ("info",), {}),
        ("GET /experiments", ("experiments",), {}),
        ("GET /runs", ("runs",), {}),
        ("GET /runs/{run_id}", ("runs", run), {}),
        ("GET /runs/{run_id}/metrics/{key}", ("runs", run, "metrics", "loss"), {}),
        ("GET /runs/{run_id}/view", ("runs", run, "view"), {}),
        ("GET /runs/{run_id}/histories", ("runs", run, "histories"), {}),
        ("GET /runs/{run_id}/preview/{path}", ("runs", run, "preview", "notes/readme.txt"), {}),
        ("GET /compare", ("compare",), {"id": [run, ids["other"]]}),
        ("GET /models", ("models",), {}),
        ("GET /models/{name}", ("models", "churn"), {}),
        ("GET /models/{name}/audit", ("models", "churn", "audit"), {}),
        ("GET /models/{name}/card", ("models", "churn", "card"), {}),
        ("GET /models/{name}/versions/{version}/lineage",
         ("models", "churn", "versions", "1", "lineage"), {}),
        ("GET /models/{name}/versions/{version}/evaluations",
         ("models", "churn", "versions", "2", "evaluations"), {}),
        ("GET /models/{name}/aliases/{alias}/drift",
         ("models", "churn", "aliases", "champion", "drift"), {}),
        ("GET /datasets", ("datasets",), {}),
        ("GET /datasets/{name}", ("datasets", "customers"), {}),
        ("GET /datasets/{name}", ("datasets", "raw"), {}),
        ("GET /datasets/{name}/diff", ("datasets", "customers", "diff"), {"a": "1", "b": "2"}),
        ("GET /datasets/{name}/versions/{version}",
         ("datasets", "customers", "versions", "1"), {}),
        ("GET /datasets/{name}/versions/{version}", ("datasets", "raw", "versions", "1"), {}),
        ("GET /drift", ("drift",), {}),
        ("GET /drift/{report_id}", ("drift", ids["report"]), {}),
        ("GET /drift/{report_id}", ("drift", ids["report"]), {"column": "x"}),
    ]


async def test_every_json_route_answers_as_its_schema_says(jp_fetch, served):
    spec = load_spec()
    documented = {f"{verb.upper()} {path}" for path, operations in spec["paths"].items()
                  for verb, operation in operations.items()
                  if verb == "get" and "application/json" in operation["responses"][min(
                      c for c in operation["responses"] if c.startswith("2"))].get("content", {})}
    cases = requests(served)
    assert documented - NOT_FETCHED == {route for route, _, _ in cases}
    problems: list[str] = []
    bodies: dict[str, Any] = {}
    for route, parts, params in cases:
        pairs = [(k, v) for k, values in params.items()
                 for v in (values if isinstance(values, list) else [values])]
        response = await jp_fetch(*API, *parts, params=pairs or None)
        body = json.loads(response.body)
        bodies.setdefault(route, body)
        problems += mismatches(route, body)
    assert not problems, "\n".join(problems)
    # The workspace reached what the schemas describe, so none of it was validated vacuously.
    run = bodies["GET /runs/{run_id}"]["run"]
    assert run["git"]["dirty"] and run["git"]["diff_digest"] and run["git"]["remote"]
    assert run["artifacts"] and run["lineage"] and run["source"] is not None
    versions = bodies["GET /datasets/{name}"]["versions"]
    assert versions[0]["profile"]["columns"]["seen"]["min"].startswith("2026-01-01")
    assert "min" not in versions[0]["profile"]["columns"]["empty"]
    report = bodies["GET /drift/{report_id}"]["report"]
    assert report["results"] and all(r["details"] for r in report["results"])
    assert bodies["GET /drift"]["reports"][0]["results"] == []
    kinds = {e["kind"]: e["details"] for e in bodies[
        "GET /models/{name}/versions/{version}/evaluations"]["evaluations"]}
    assert set(kinds) == {"evaluation", "replay"} and "agreement" in kinds["replay"]
    checks = kinds["evaluation"]["checks"]
    assert any(c["baseline"] is not None for c in checks)
    assert kinds["evaluation"]["baseline_slices"]
    assert "positives" in kinds["evaluation"]["slices"][0]


def test_the_check_is_closed_both_ways():
    """A field the schema does not list, or a required one left out, is a mismatch."""
    run = {"id": "ab" * 16, "experiment": "churn", "name": "r", "status": "FINISHED",
           "start_time": 1.0, "end_time": None, "parent_id": None, "params": {},
           "metrics": {"auc": "NaN"}, "tags": {}, "artifacts": [], "source": None,
           "environment_digest": None, "git": None, "lineage": [], "error": None,
           "deleted": False, "host": None, "pid": None}
    assert mismatches("GET /runs/{run_id}", {"run": run}) == []
    assert len(mismatches("GET /runs/{run_id}", {"run": {**run, "new": 1}})) == 1
    assert len(mismatches("GET /runs/{run_id}", {"run": {**run, "git": {"commit": "c"}}})) == 1
    less = {k: v for k, v in run.items() if k != "pid"}
    assert len(mismatches("GET /runs/{run_id}", {"run": less})) == 1
    assert len(mismatches("GET /runs/{run_id}", {"run": {**run, "end_time": "x"}})) == 1


def test_the_document_is_valid_openapi():
    """The merged document is OpenAPI 3.0 (a comma in an unquoted flow-style description
    once turned half of it into a stray key)."""
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(load_spec())
