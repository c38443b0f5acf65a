"""Registry, dataset and drift routes against a real Jupyter server: data, validation, auth."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from tornado.httpclient import HTTPClientError

import jupyter_mlops as mlops
import jupyter_mlops.data as data
from jupyter_mlops import models
from jupyter_mlops.monitor import drift_report

API = ("jupyter-mlops", "api")


@dataclass
class World:
    report_id: str
    run_id: str


@pytest.fixture
def world(tracking) -> World:
    """Two versions of a registered model (v1 @champion), two dataset versions, a report."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"age": rng.integers(18, 80, 120).astype("int64"),
                          "income": rng.normal(50_000, 9_000, 120),
                          "plan": rng.choice(["basic", "pro"], 120)})
    data.version_data(frame, "customers")
    data.version_data(frame.assign(income=frame["income"] * 1.5).head(100), "customers")
    target = (frame["income"] > 50_000).astype(int)
    with mlops.start_run(experiment="churn") as run:
        mlops.log_metric("auc", 0.8)
        model = LogisticRegression().fit(frame[["age", "income"]], target)
        logged = models.log_model(model, input_example=frame[["age", "income"]].head(5))
    models.register_model(logged.uri, "churn", alias="champion", reason="first model")
    models.register_model(logged.uri, "churn", description="same model, retrained")
    report = drift_report("customers@1", "customers@2", model="churn@champion")
    report.save(name="nightly")
    return World(report.id, run.id)


async def get(jp_fetch, *parts, **params):
    response = await jp_fetch(*API, *parts, params=params or None)
    return json.loads(response.body)


async def post(jp_fetch, *parts, body, headers=None):
    kwargs = {"method": "POST", "body": body if isinstance(body, str) else json.dumps(body)}
    if headers is not None:
        kwargs["headers"] = headers
    response = await jp_fetch(*API, *parts, **kwargs)
    return json.loads(response.body)


async def error_of(jp_fetch, *parts, method="GET", headers=None, body=None, **params):
    kwargs = {"params": params or None, "method": method}
    if headers is not None:
        kwargs["headers"] = headers
    if body is not None:
        kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, *parts, **kwargs)
    payload = json.loads(info.value.response.body or b"{}")
    if payload:
        assert set(payload) == {"error"}
        assert set(payload["error"]) == {"type", "message", "status"}
        assert payload["error"]["status"] == info.value.code
    return info.value.code, payload


async def test_models_versions_aliases_and_card(jp_fetch, world):
    listed = (await get(jp_fetch, "models"))["models"]
    assert [(m["name"], m["version_count"], m["aliases"]) for m in listed] == \
        [("churn", 2, {"champion": 1})]
    detail = await get(jp_fetch, "models", "churn")
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["aliases"] == {"champion": 1}
    assert detail["versions"][0]["run_id"] == world.run_id
    assert detail["versions"][0]["metrics"] == {"auc": 0.8}
    card = await get(jp_fetch, "models", "churn", "card", alias="champion")
    assert card["uri"] == "churn@champion"
    assert card["markdown"].startswith("# churn version 1 @champion\n")
    assert card["html"].startswith("<!DOCTYPE html>")
    newest = await get(jp_fetch, "models", "churn", "card", version="2")
    assert "same model, retrained" in newest["markdown"]


async def test_moving_an_alias_is_audited(jp_fetch, world):
    move = (await post(jp_fetch, "models", "churn", "aliases", "champion",
                       body={"version": 2, "reason": "  v2 wins the A/B test "}))["move"]
    assert (move["from_version"], move["to_version"]) == (1, 2)
    assert move["reason"] == "v2 wins the A/B test"
    assert (await get(jp_fetch, "models", "churn"))["aliases"] == {"champion": 2}
    entries = (await get(jp_fetch, "models", "churn", "audit"))["entries"]
    last = entries[-1]
    assert (last["alias"], last["from_value"], last["to_value"], last["reason"]) == \
        ("champion", "1", "2", "v2 wins the A/B test")
    newest = (await get(jp_fetch, "models", "churn", "audit", limit="1"))["entries"]
    assert newest == [last]


@pytest.mark.parametrize("body", [
    "{not json", "[1, 2]", {"version": 2}, {"version": 2, "reason": "   "},
    {"version": "2", "reason": "x"}, {"version": True, "reason": "x"},
    {"version": 0, "reason": "x"}, {"version": 2.5, "reason": "x"},
    {"version": 2, "reason": 7}, {"version": 2, "reason": "x", "user": "mallory"},
])
async def test_bad_alias_bodies_are_400(jp_fetch, world, body):
    code, payload = await error_of(jp_fetch, "models", "churn", "aliases", "champion",
                                   method="POST", body=body)
    assert code == 400, payload
    # Nothing moved, nothing was audited.
    assert (await get(jp_fetch, "models", "churn"))["aliases"] == {"champion": 1}
    actions = [e["action"] for e in (await get(jp_fetch, "models", "churn", "audit"))["entries"]]
    assert actions.count("alias") <= 1


async def test_alias_errors_from_the_registry(jp_fetch, world):
    code, payload = await error_of(jp_fetch, "models", "churn", "aliases", "champion",
                                   method="POST", body={"version": 9, "reason": "typo"})
    assert code == 404 and payload["error"]["type"] == "NotFound"
    code, payload = await error_of(jp_fetch, "models", "churn", "aliases", "latest",
                                   method="POST", body={"version": 2, "reason": "reserved"})
    assert code == 400 and "reserved" in payload["error"]["message"]
    code, payload = await error_of(jp_fetch, "models", "nobody", "aliases", "champion",
                                   method="POST", body={"version": 1, "reason": "why not"})
    assert code == 404


async def test_post_follows_jupyters_xsrf_rules(jp_fetch, world):
    # A token-authenticated POST needs no XSRF cookie (Jupyter exempts token requests)...
    moved = await post(jp_fetch, "models", "churn", "aliases", "staging",
                       body={"version": 2, "reason": "try it"})
    assert moved["move"]["to_version"] == 2
    # ...but without the token (and so without a session) it is refused before anything moves.
    code, _ = await error_of(jp_fetch, "models", "churn", "aliases", "staging", method="POST",
                             body={"version": 1, "reason": "sneaky"},
                             headers={"Authorization": ""})
    assert code == 403
    assert (await get(jp_fetch, "models", "churn"))["aliases"] == {"champion": 1, "staging": 2}


@pytest.mark.parametrize("parts,params,status", [
    (("models", "-bad"), {}, 400),
    (("models", "a%2Fb"), {}, 400),
    (("models", "ghost"), {}, 404),
    (("models", "churn", "audit"), {"limit": "0"}, 400),
    (("models", "churn", "audit"), {"limit": "x"}, 400),
    (("models", "churn", "card"), {"version": "9"}, 404),
    (("models", "churn", "card"), {"version": "1", "alias": "champion"}, 400),
    (("models", "churn", "card"), {"alias": "no such"}, 400),
    (("models", "churn", "card"), {"alias": "retired"}, 404),
    (("datasets", "..%2Fetc"), {}, 400),
    (("datasets", "ghost"), {}, 404),
    (("datasets", "customers", "diff"), {"a": "1"}, 400),
    (("datasets", "customers", "diff"), {"a": "1", "b": "two"}, 400),
    (("datasets", "customers", "diff"), {"a": "1", "b": "7"}, 404),
    (("drift",), {"limit": "100000"}, 400),
    (("drift", "abcdef0123"), {}, 404),
    (("drift", "abc"), {}, 400),
    (("drift", "abc%25def"), {}, 400),
])
async def test_bad_input_never_500s(jp_fetch, world, parts, params, status):
    code, payload = await error_of(jp_fetch, *parts, **params)
    assert code == status, payload
    assert payload["error"]["message"]


async def test_datasets_versions_profiles_and_diff(jp_fetch, world):
    listed = (await get(jp_fetch, "datasets"))["datasets"]
    assert [(d["name"], d["latest_version"], d["version_count"]) for d in listed] == \
        [("customers", 2, 2)]
    detail = await get(jp_fetch, "datasets", "customers")
    versions = detail["versions"]
    assert [(v["version"], v["ref"], v["rows"]) for v in versions] == \
        [(1, "customers@1", 120), (2, "customers@2", 100)]
    income = versions[0]["profile"]["columns"]["income"]
    assert income["type"] == "numeric" and income["count"] == 120
    assert "edges" not in income  # histograms stay out of the listing
    assert versions[1]["profile"]["columns"]["income"]["mean"] > income["mean"]
    diff = await get(jp_fetch, "datasets", "customers", "diff", a="1", b="2")
    assert (diff["a"], diff["b"], diff["same"]) == ("customers@1", "customers@2", False)
    assert diff["rows"] == [120, 100]
    assert "rows 120 -> 100" in diff["summary"]
    mean = next(c for c in diff["changes"] if c["column"] == "income" and c["change"] == "mean")
    assert mean["b"] > mean["a"]


async def test_drift_reports_and_figure(jp_fetch, world):
    reports = (await get(jp_fetch, "drift"))["reports"]
    assert [(r["id"], r["name"], r["results"]) for r in reports] == \
        [(world.report_id, "nightly", [])]
    assert (await get(jp_fetch, "drift", name="other"))["reports"] == []
    whole = await get(jp_fetch, "drift", world.report_id[-8:])
    report = whole["report"]
    assert report["id"] == world.report_id and report["model"] == "churn@champion"
    assert [r["column"] for r in report["results"]] == ["age", "income", "plan"]
    assert next(r for r in report["results"] if r["column"] == "income")["drifted"]
    figure = whole["figure"]
    assert figure["data"] and "layout" in figure
    assert any("income" in json.dumps(trace) for trace in figure["data"])
    overlay = await get(jp_fetch, "drift", world.report_id, column="income")
    assert overlay["figure"]["data"] != figure["data"]
    code, payload = await error_of(jp_fetch, "drift", world.report_id, column="nope")
    assert code == 400 and "income" in payload["error"]["message"]


async def test_every_feature_route_requires_authentication(jp_fetch, world):
    for parts in (("models",), ("models", "churn"), ("models", "churn", "audit"),
                  ("models", "churn", "card"), ("datasets",), ("datasets", "customers"),
                  ("datasets", "customers", "diff"), ("drift",), ("drift", world.report_id)):
        code, _ = await error_of(jp_fetch, *parts, headers={"Authorization": ""})
        assert code == 403, parts


async def test_a_cookie_session_needs_the_xsrf_token(jp_fetch, jp_base_url, world):
    # A token request leaves a login cookie, as it does for a browser opening the lab URL.
    first = await jp_fetch(*API, "models")
    cookies = [c.split(";", 1)[0] for c in first.headers.get_list("Set-Cookie")]
    login = "; ".join(c for c in cookies if not c.startswith("_xsrf="))
    assert login, first.headers
    cookie_only = {"Authorization": "", "Cookie": login}
    # The cookie alone logs in (a GET works)...
    assert (await get_with(jp_fetch, cookie_only, "models", "churn"))["aliases"] == \
        {"champion": 1}
    # ...but a POST riding on it without the XSRF token is refused, as Jupyter requires.
    code, payload = await error_of(jp_fetch, "models", "churn", "aliases", "champion",
                                   method="POST", body={"version": 2, "reason": "forged"},
                                   headers=cookie_only)
    assert code == 403 and "xsrf" in payload["error"]["message"].lower()
    assert (await get(jp_fetch, "models", "churn"))["aliases"] == {"champion": 1}
    # With the _xsrf cookie echoed in the X-XSRFToken header, as JupyterLab sends it, it works.
    token = "0123456789abcdef0123456789abcdef"
    with_xsrf = {"Authorization": "", "Cookie": f"{login}; _xsrf={token}",
                 "X-XSRFToken": token}
    moved = await post(jp_fetch, "models", "churn", "aliases", "champion",
                       body={"version": 2, "reason": "from the sidebar"}, headers=with_xsrf)
    assert moved["move"]["to_version"] == 2


async def get_with(jp_fetch, headers, *parts):
    response = await jp_fetch(*API, *parts, headers=headers)
    return json.loads(response.body)
