"""`jupyter mlops alerts` as a real subprocess, posting to a receiver in this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jupyter_mlops.monitor import drift_report

from .test_alerts import SECRET, Receiver, _signed_by, receiving, register_churn

BIN = Path(sys.executable).parent


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as state:
        yield state


def _cli(workspace, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "JUPYTER_MLOPS_ALERT_SECRET": SECRET}
    done = subprocess.run([str(BIN / "jupyter-mlops"), "--uri", workspace.uri, "--artifacts",
                           workspace.artifacts, "alerts", *args], cwd=workspace.root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == code, (done.stdout, done.stderr)
    return done


def test_add_list_check_history_remove(tracking, receiver):
    added = json.loads(_cli(tracking, "add", "--on", "registry", "--model", "churn",
                            "--notify", receiver.url, "--json").stdout)
    drift = _cli(tracking, "add", "--on", "drift", "--notify", receiver.url,
                 "--threshold", "0.5").stderr
    assert "Added alert rule" in drift and "/hooks" not in drift  # the token is not shown
    listed = json.loads(_cli(tracking, "list", "--json").stdout)
    assert [r["on"] for r in listed] == ["registry", "drift"]
    assert listed[0]["id"] == added["id"] and listed[0]["notify"] == receiver.url
    table = _cli(tracking, "list").stdout
    assert "registry" in table and "every model" in table and "token" not in table

    # The registration tells its rule at once; answered 500 twice, it is left for the check.
    receiver.answers = [500, 500]
    register_churn(auc=0.9)
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 300)})
    # Saved here, checked by the subprocess's `alerts check` below (and by the save itself).
    drift_report(reference, reference + 3).save()
    receiver.received.clear()
    checked = json.loads(_cli(tracking, "check", "--json", "--backoff", "0").stdout)
    assert [c["event"].split(":")[0] for c in checked] == ["audit"]
    assert checked[0]["status"] == "sent" and "version 1 registered" in checked[0]["text"]
    assert len(receiver.received) == 1 and _signed_by(receiver.received[0], SECRET.encode())
    assert "No new events." in _cli(tracking, "check").stderr

    history = json.loads(_cli(tracking, "history", "--json").stdout)
    assert sorted(h["event"].split(":")[0] for h in history) == ["audit", "drift"]
    assert all(h["status"] == "sent" for h in history)
    # Two tries by the registration (both 500), the third by the subprocess's check.
    assert sorted((h["event"].split(":")[0], h["attempts"]) for h in history) == [
        ("audit", 3), ("drift", 1)]
    assert "sent" in _cli(tracking, "history", "--rule", added["id"][-8:]).stdout

    receiver.answers = [500] * 4  # two for the registration's own try, two for the check
    register_churn(auc=0.8)
    failed = _cli(tracking, "check", "--retries", "1", "--backoff", "0", "--fail-on-error",
                  code=1)
    assert "failed" in failed.stdout and "HTTP 500" in failed.stdout
    assert "Removed alert rule" in _cli(tracking, "remove", added["id"]).stderr
    assert [r["on"] for r in json.loads(_cli(tracking, "list", "--json").stdout)] == ["drift"]


def test_bad_input_is_one_line_with_exit_code_2(tracking, receiver):
    for args, message in (
        (["add", "--on", "drift", "--notify", "ftp://x/y"], "is not a webhook URL"),
        (["add", "--on", "estimated_performance", "--model", "churn@champion", "--notify",
          receiver.url, "--threshold", "7"], "needs threshold= between 0 and 1"),
        (["add", "--on", "drift", "--notify", receiver.url, "--metric", "auc"],
         "metric= has no meaning"),
    ):
        err = _cli(tracking, *args, code=2).stderr
        assert err.startswith("Error: ") and message in err and len(err.splitlines()) == 1
    assert "Invalid value for '--on'" in _cli(tracking, "add", "--on", "drfit", "--notify",
                                              receiver.url, code=2).stderr
    _cli(tracking, "remove", "nosuchrule", code=3)
