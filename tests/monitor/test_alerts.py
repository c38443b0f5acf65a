"""Alerts against a real webhook receiver on loopback: delivered once, retried, signed."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as mlops
from jupyter_mlops import models
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.monitor import drift_report
from jupyter_mlops.monitor.alerts import (
    alert,
    alert_history,
    alerts,
    check_alerts,
    remove_alert,
)
from jupyter_mlops.session import current
from jupyter_mlops.store.evaluations import EvaluationRecord

SECRET = "s3cret-for-tests"


@dataclass
class Receiver:
    """A webhook endpoint: every request it got, and the statuses it answers with next."""

    url: str
    received: list[dict] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An http.server on a free loopback port, in a thread."""
    with receiving() as state:
        yield state


@contextlib.contextmanager
def receiving() -> Iterator[Receiver]:
    """Run a webhook receiver for the block (the CLI tests share it)."""
    state = Receiver("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.received.append({"path": self.path, "body": body,
                                       "headers": dict(self.headers.items())})
                code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T0/B0/token"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("JUPYTER_MLOPS_ALERT_SECRET", SECRET)
    return SECRET.encode()


def _signed_by(request: dict, secret: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret, request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Mlops-Signature-256"])


def _frames(shift: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 500), "y": rng.normal(0, 1, 500)})
    current_ = pd.DataFrame({"x": rng.normal(shift, 1, 500), "y": rng.normal(shift, 1, 500)})
    return reference, current_


def test_a_drift_alert_is_delivered_once_and_signed(tracking, receiver, signed):
    rule = alert(on="drift", model="churn@champion", notify=receiver.url)
    reference, moved = _frames(2.0)
    # A report on another model, and one that did not drift, tell nothing.
    drift_report(reference, moved, model="fraud@champion").save()
    drift_report(reference, _frames(0.0)[1], model="churn@champion").save()
    assert receiver.received == []
    report = drift_report(reference, moved, model="churn@champion").save()
    # Saving the report checked the drift rules: delivered at once.
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request["path"] == "/hooks/T0/B0/token"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Mlops-Event"] == "drift"
    assert _signed_by(request, signed)
    assert not _signed_by(request, b"another secret")
    body = receiver.bodies()[0]
    assert "Drift in churn@champion" in body["text"] and report.id in body["text"]
    assert body["event"]["key"] == f"drift:{report.id}" and body["rule"]["id"] == rule.id
    # Checking again, however often, sends nothing new.
    assert check_alerts().empty and check_alerts(on="drift").empty
    assert len(receiver.received) == 1
    history = alert_history()
    assert list(history["status"]) == ["sent"] and list(history["attempts"]) == [1]
    assert history["response_code"].tolist() == [200]
    assert history["event"].tolist() == [f"drift:{report.id}"]


def test_a_500_is_retried_and_a_failed_delivery_is_sent_by_the_next_check(tracking, receiver,
                                                                          signed):
    alert(on="drift", notify=receiver.url, threshold=0.5)
    receiver.answers = [500, 503]
    reference, moved = _frames(2.0)
    drift_report(reference, moved).save()
    # The save's own check tries twice (one retry), both answered 5xx: left failed.
    assert len(receiver.received) == 2
    first = alert_history()
    assert first["status"].tolist() == ["failed"] and first["attempts"].tolist() == [2]
    assert first["response_code"].tolist() == [503] and "503" in first["error"][0]
    receiver.answers = [500]
    checked = check_alerts(backoff=0.01)
    # Retried after the 500 and delivered: the same body, signed the same.
    assert checked["status"].tolist() == ["sent"] and checked["attempts"].tolist() == [2]
    assert len(receiver.received) == 4
    assert receiver.received[-1]["body"] != b"" and _signed_by(receiver.received[-1], signed)
    assert receiver.bodies()[-1]["event"] == receiver.bodies()[0]["event"]
    final = alert_history()
    assert final["status"].tolist() == ["sent"] and final["attempts"].tolist() == [4]
    assert check_alerts(backoff=0.01).empty and len(receiver.received) == 4


def test_a_4xx_is_not_retried_and_no_connection_is(tracking, receiver):
    alert(on="registry", notify=receiver.url)
    receiver.answers = [404]
    register_churn(auc=0.9)  # the registration's own check sends it: answered 404, final
    first = alert_history()
    assert first["status"].tolist() == ["failed"] and first["attempts"].tolist() == [1]
    assert first["response_code"].tolist() == [404] and len(receiver.received) == 1
    # Nothing listens on a port just closed: a connection error, retried, then failed.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    alert(on="registry", notify=f"http://127.0.0.1:{closed}/hook")
    register_churn(auc=0.8)
    failed = check_alerts(backoff=0, retries=2)
    unreachable = failed[failed["status"] == "failed"]
    assert unreachable["attempts"].max() == 3
    assert unreachable["error"].str.contains("Connection|refused", regex=True).all()
    # Unsigned without a secret: no signature header at all.
    assert "X-Mlops-Signature-256" not in receiver.received[-1]["headers"]


def register_churn(auc: float, alias: str | None = None):
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    model = LogisticRegression().fit(X, [0, 0, 1, 1])
    with mlops.start_run(name="train"):
        mlops.log_metric("auc", auc)
        logged = models.log_model(model, input_example=X)
    return models.register_model(logged.uri, "churn", alias=alias)


def _told(receiver: Receiver, rule) -> list[str]:
    return [b["text"] for b in receiver.bodies() if b["rule"]["id"] == rule.id]


def test_registry_events_notify_once_each_right_when_they_happen(tracking, receiver, signed):
    register_churn(auc=0.9, alias="champion")  # before the rule: not news
    rule = alert(on="registry", model="churn@champion", notify=receiver.url)
    everything = alert(on="registry", notify=receiver.url, events=["register"])
    assert receiver.received == []
    # Each change is told by the registry call itself, before it returns: no check needed.
    v2 = register_churn(auc=0.7)
    assert _told(receiver, rule) == [f":package: churn: version 2 registered by "
                                     f"{v2.created_by}."]
    assert len(_told(receiver, everything)) == 1
    with pytest.warns(models.PromotionRefused):
        refused = models.promote("churn", v2.version, "champion", require={"auc": ">="})
    assert not refused.promoted
    assert "Promotion of churn/2 to @champion refused" in _told(receiver, rule)[-1]
    v3 = register_churn(auc=0.95)
    assert "version 3 registered" in _told(receiver, rule)[-1]
    models.set_alias("churn", "champion", v3.version, reason="better auc")
    last = _told(receiver, rule)[-1]
    assert "churn@champion moved from version 1 to version 3" in last and "(better auc)" in last
    models.set_alias("churn", "staging", v2.version)  # another alias: not this rule's
    assert len(_told(receiver, rule)) == 4 and len(_told(receiver, everything)) == 2
    assert all("registered" in text for text in _told(receiver, everything))
    assert all(_signed_by(r, signed) for r in receiver.received)
    assert all(r["headers"]["X-Mlops-Event"] == "registry" for r in receiver.received)
    # Each was sent once: a check afterwards has nothing new, and the history has all six.
    assert check_alerts().empty and len(receiver.received) == 6
    history = alert_history()
    assert history["status"].tolist() == ["sent"] * 6


def test_verdicts_from_the_evaluations_table(tracking, receiver):
    v1 = register_churn(auc=0.9, alias="champion")
    rule = alert(on="evaluation", model="churn@champion", notify=receiver.url)
    skew = alert(on="skew", model="churn", notify=receiver.url, condition="any")
    store = current().store
    now = time.time()

    def record(id_: str, kind: str, blessed: bool, failures: tuple[str, ...] = ()) -> None:
        store.evaluations.save(EvaluationRecord(
            id=id_, created_at=now, name="churn", version=v1.version, data="customers@2",
            label="churned", task="classification", rows=100, blessed=blessed,
            failures=failures, kind=kind))

    record("e" * 32, "evaluation", True)
    record("f" * 32, "evaluation", False, ("auc on country=FR: 0.61 < 0.7",))
    record("a" * 32, "skew", True)
    checked = check_alerts()
    mine = checked[checked["rule_id"] == rule.id]
    assert mine["event"].tolist() == [f"evaluation:{'f' * 32}"]
    assert "NOT blessed: auc on country=FR: 0.61 < 0.7" in mine["text"].iloc[0]
    assert checked[checked["rule_id"] == skew.id]["event"].tolist() == [f"skew:{'a' * 32}"]
    assert check_alerts().empty


def test_estimated_performance_alert_per_window(tracking, receiver):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.normal(0, 1, 400), "b": rng.normal(0, 1, 400)})
    y = (X["a"] + rng.normal(0, 1.5, 400) > 0).astype(int)
    with mlops.start_run(name="train"):
        logged = models.log_model(LogisticRegression().fit(X, y), input_example=X)
    models.register_model(logged.uri, "weak", alias="champion")
    from jupyter_mlops.models.serving.predlog import PredictionLogger

    # The serving prediction log's own writer, as the model server uses it.
    writer = PredictionLogger(current().store.registry, "weak")
    predicted = models.load_model("weak@champion").predict(X)
    for start in range(0, 400, 40):
        rows = X.iloc[start:start + 40]
        writer.record(1, rows, json.dumps(predicted[start:start + 40].tolist()), f"r{start}")
    writer.flush()
    rule = alert(on="estimated_performance", model="weak@champion", notify=receiver.url,
                 condition="accuracy < 0.95", window="1d", since="2d")
    high = alert(on="estimated_performance", model="weak@champion", notify=receiver.url,
                 metric="accuracy", threshold=0.05)
    checked = check_alerts()
    assert (checked["rule_id"] == high.id).sum() == 0
    fired = checked[checked["rule_id"] == rule.id]
    assert len(fired) >= 1 and fired["event"].str.startswith(
        "estimated_performance:weak@champion:accuracy:").all()
    assert fired["text"].str.contains("estimated accuracy").all()
    assert check_alerts().empty


def test_rules_are_listed_removed_and_validated_at_the_edge(tracking, receiver):
    rule = alert(on="drift", model="churn@champion", notify=receiver.url)
    listed = alerts()
    assert listed["id"].tolist() == [rule.id] and listed["condition"][0] == "drifted"
    assert remove_alert(rule.id[-8:]).deleted_at is not None
    assert alerts().empty and alerts(include_removed=True)["enabled"].tolist() == [False]
    reference, moved = _frames(2.0)
    drift_report(reference, moved, model="churn@champion").save()
    assert receiver.received == []
    bad = {
        "Unknown alert kind on='drfit'": dict(on="drfit", notify=receiver.url),
        "is not a webhook URL": dict(on="drift", notify="ftp://hooks.example/x"),
        "not a webhook URL: give a http://": dict(on="drift", notify="hooks.example/x"),
        "needs threshold= between 0 and 1": dict(on="estimated_performance", model="c/1",
                                                  notify=receiver.url, threshold=80),
        "Unknown metric 'auc'": dict(on="estimated_performance", model="c/1",
                                     notify=receiver.url, metric="auc", threshold=0.8),
        "needs labels=": dict(on="performance", model="c/1", notify=receiver.url,
                              threshold=0.8),
        "needs model=": dict(on="estimated_performance", notify=receiver.url, threshold=0.8),
        "share of drifted columns": dict(on="drift", notify=receiver.url, threshold=1.5),
        "threshold= has no meaning": dict(on="evaluation", notify=receiver.url, threshold=0.5),
        "Unknown registry events": dict(on="registry", notify=receiver.url, events=["moved"]),
        "not a performance condition": dict(on="estimated_performance", model="c/1",
                                            notify=receiver.url, condition="accuracy > 2"),
        "not an environment variable name": dict(on="drift", notify=receiver.url,
                                                 secret_env="hunter2!"),
    }
    for message, arguments in bad.items():
        with pytest.raises(InvalidInput, match=message) as caught:
            alert(**arguments)
        assert "\n" not in str(caught.value)
    assert alerts().empty


def test_realised_performance_alert_reads_labels_as_they_arrive(tracking, receiver):
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.models.serving.predlog import PredictionLogger

    rng = np.random.default_rng(8)
    X = pd.DataFrame({"a": rng.normal(0, 1, 200), "b": rng.normal(0, 1, 200)})
    y = (X["a"] > 0).astype(int)
    with mlops.start_run(name="train"):
        logged = models.log_model(LogisticRegression().fit(X, y), input_example=X)
    models.register_model(logged.uri, "sharp", alias="champion")
    writer = PredictionLogger(current().store.registry, "sharp")
    predicted = models.load_model("sharp/1").predict(X)
    for start in range(0, 200, 50):
        writer.record(1, X.iloc[start:start + 50],
                      json.dumps(predicted[start:start + 50].tolist()), f"q{start}")
    writer.flush()
    rule = alert(on="performance", model="sharp@champion", notify=receiver.url,
                 condition="accuracy < 0.9", labels="sharp-labels", min_rows=50)
    assert alerts()["condition"][0] == "accuracy < 0.9 per 1d"
    # The first labels say the model was right; the rule stays quiet.
    right = pd.DataFrame({"request_id": [f"q{s}" for s in range(0, 200, 50) for _ in range(50)],
                          "row": [i for _ in range(4) for i in range(50)],
                          "label": predicted})
    mlops.version_data(right.head(100), "sharp-labels")
    assert check_alerts(rules=[rule.id]).empty
    # Later labels (a new version) say half of its answers were wrong.
    wrong = right.assign(label=np.where(np.arange(200) % 2 == 0, 1 - predicted, predicted))
    mlops.version_data(wrong, "sharp-labels")
    checked = check_alerts(rules=[rule.id])
    assert len(checked) >= 1 and checked["status"].eq("sent").all()
    assert checked["text"].str.contains(r"sharp@champion: accuracy 0\.\d+ is below 0.9").all()
    body = receiver.bodies()[0]
    assert body["event"]["metric"] == "accuracy" and body["event"]["value"] < 0.9
