"""A SIGKILLed `jupyter mlops models serve` loses at most its last flush interval of predictions."""

from __future__ import annotations

import inspect
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from jupyter_mlops import models
from jupyter_mlops.models.serving.app import create_app

from .conftest import register

FLUSH_INTERVAL = inspect.signature(create_app).parameters["flush_interval"].default


def _split(frame):
    return {"dataframe_split": {"columns": list(frame.columns),
                                "data": frame.to_numpy().tolist()}}


def _answered(url: str, rows, count: int) -> list[str]:
    """Send ``count`` requests, each with an id of its own; the ids, once all were answered."""
    ids = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(count):
            request_id = uuid.uuid4().hex
            answer = client.post("/invocations", json=_split(rows),
                                 headers={"x-request-id": request_id})
            assert answer.status_code == 200, answer.text
            ids.append(request_id)
    return ids


def test_sigkill_loses_at_most_the_last_flush_interval(tracking, trained):
    register(trained, alias="champion")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    jupyter = Path(sys.executable).parent / "jupyter"
    process = subprocess.Popen(
        [str(jupyter), "mlops", "--uri", tracking.uri, "--artifacts", tracking.artifacts,
         "models", "serve", "churn@champion", "-p", str(port)],
        cwd=tracking.root, env={**os.environ}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    rows = trained.X.head(3)
    try:
        for _ in range(1200):
            try:
                httpx.get(url + "/ping", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, "the server exited before serving"
                time.sleep(0.1)
        early = _answered(url, rows, 20)
        # Past one flush interval, plus a second for the flush's own write to commit.
        time.sleep(FLUSH_INTERVAL + 1.0)
        late = _answered(url, rows, 20)  # within the last interval: these may be lost
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    logged = models.predictions("churn")
    kept = set(logged["request_id"])
    assert set(early) <= kept, f"{len(set(early) - kept)} of {len(early)} early requests lost"
    assert kept <= set(early) | set(late), "the log holds requests nobody sent"
    assert len(logged) == len(kept) * len(rows)
