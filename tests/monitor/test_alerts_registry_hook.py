"""Registry rules are told right when the registry changes, from every door into the registry.

The registry announces each committed change (``models.events``); the alerts listen. Against
a real loopback receiver: the change's own call delivers it, a broken listener or hook never
fails the change, a fresh CLI process finds the listener through its entry point, and the
MLflow server's registry calls announce like ours.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mlops import models
from jupyter_mlops.models.events import ENTRY_POINT_GROUP, LISTENERS, RegistryEvent
from jupyter_mlops.monitor.alerts import alert, alert_history, check_alerts

from .test_alerts import SECRET, Receiver, _signed_by, receiving, register_churn

BIN = Path(sys.executable).parent


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as state:
        yield state


@pytest.fixture
def heard() -> Iterator[list[RegistryEvent]]:
    """Every registry event announced during the test, through a listener of our registry."""
    events: list[RegistryEvent] = []
    LISTENERS.register("test-recorder", events.append)
    yield events
    LISTENERS.unregister("test-recorder")


def test_status_changes_and_alias_removals_are_told_at_once(tracking, receiver, heard):
    v1 = register_churn(auc=0.9, alias="champion")
    rule = alert(on="registry", model="churn", notify=receiver.url,
                 events=["alias", "status"])
    v2 = register_churn(auc=0.8)  # a registration: not among this rule's events
    assert receiver.received == []
    models.delete_alias("churn", "champion", reason="rollback drill")
    assert "churn@champion removed (was version 1)" in receiver.bodies()[-1]["text"]
    models.set_version_status("churn", v2.version, "archived", reason="superseded")
    body = receiver.bodies()[-1]
    assert "churn/2: status READY -> ARCHIVED" in body["text"]
    assert body["rule"]["id"] == rule.id and body["event"]["action"] == "status"
    assert len(receiver.received) == 2 and check_alerts().empty
    assert [(e.action, e.version, e.alias) for e in heard] == [
        ("register", v1.version, None), ("alias", v1.version, "champion"),
        ("register", v2.version, None), ("alias", v1.version, "champion"),
        ("status", v2.version, None)]


def test_a_broken_listener_or_hook_never_fails_the_change(tracking, receiver, caplog):
    def broken(event: RegistryEvent) -> None:
        raise RuntimeError("listener bug")

    # Ordered before the alerts (higher priority): it must not keep them from being told.
    LISTENERS.register("broken", broken, priority=10)
    try:
        alert(on="registry", notify=receiver.url)
        version = register_churn(auc=0.9)
    finally:
        LISTENERS.unregister("broken")
    assert version.version == 1 and len(receiver.received) == 1
    assert "registry listener 'broken' failed on register of churn" in caplog.text

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = alert(on="registry", notify=f"http://127.0.0.1:{closed}/hook", events=["alias"])
    # The hook is down: the promotion still happens; the failure waits for the next check.
    promoted = models.promote("churn", version.version, "champion")
    assert promoted.promoted and models.get_version("churn@champion").version == 1
    failed = alert_history(rule=down.id)
    assert failed["status"].tolist() == ["failed"] and failed["attempts"].tolist() == [2]
    assert len(receiver.received) == 2  # the first rule heard of the move as usual


def _listener_distribution(folder: Path) -> Path:
    """A distribution that declares the alerts listener as the package's entry point does."""
    info = folder / "mlops_listener_probe-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mlops-listener-probe\n"
                                   "Version: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nalerts = jupyter_mlops.monitor.alerts:after_registry_event\n")
    return folder


def test_a_fresh_cli_process_tells_through_the_entry_point(tracking, receiver, tmp_path):
    version = register_churn(auc=0.9)
    alert(on="registry", model="churn@champion", notify=receiver.url)
    path = _listener_distribution(tmp_path / "site")
    env = {**os.environ, "COLUMNS": "200", "JUPYTER_MLOPS_ALERT_SECRET": SECRET,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(path),
                                                       os.environ.get("PYTHONPATH")]))}
    # `models alias` imports nothing of monitor: only the entry point can bring the listener.
    done = subprocess.run([str(BIN / "jupyter-mlops"), "--uri", tracking.uri, "--artifacts",
                           tracking.artifacts, "models", "alias", "churn", "champion",
                           str(version.version), "--reason", "first champion"],
                          cwd=tracking.root, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert len(receiver.received) == 1, done.stderr
    assert _signed_by(receiver.received[0], SECRET.encode())
    text = receiver.bodies()[0]["text"]
    assert "churn@champion moved from unset to version 1" in text and "first champion" in text
    assert check_alerts().empty


def test_the_mlflow_servers_registry_calls_announce(tracking, heard):
    pytest.importorskip("httpx")
    from starlette.testclient import TestClient

    from jupyter_mlops.interop.mlflow_server.app import create_app

    api = "/api/2.0/mlflow/"
    with TestClient(create_app()) as client:
        run = client.post(api + "runs/create", json={"experiment_id": "0"}).json()
        run_id = run["run"]["info"]["run_id"]
        model = client.post(api + "logged-models", json={
            "experiment_id": "0", "name": "model", "source_run_id": run_id}).json()
        info = model["model"]["info"]
        path = info["artifact_uri"].removeprefix("mlflow-artifacts:/")
        put = client.put(f"/api/2.0/mlflow-artifacts/artifacts/{path}/MLmodel",
                         content=b"flavors: {}\n")
        assert put.status_code == 200
        assert client.post(api + "registered-models/create",
                           json={"name": "fraud"}).status_code == 200
        created = client.post(api + "model-versions/create", json={
            "name": "fraud", "source": f"models:/{info['model_id']}", "run_id": run_id,
            "model_id": info["model_id"]})
        assert created.status_code == 200, created.text
        assert client.post(api + "registered-models/alias", json={
            "name": "fraud", "alias": "champion", "version": "1"}).status_code == 200
    assert [(e.action, e.name, e.version, e.alias) for e in heard] == [
        ("register", "fraud", 1, None), ("alias", "fraud", 1, "champion")]
