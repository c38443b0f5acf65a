"""The faces of evaluation: `jupyter mlops evaluate` and `models replay` as subprocesses with
CI exit codes, and `%mlops_evaluate` in a real IPython shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

from jupyter_mlops import models
from jupyter_mlops.models import PromotionRefused

from .conftest import LABEL

BIN = Path(sys.executable).parent


def _cli(workspace, *args, code=0):
    env = {**os.environ, "JUPYTER_MLOPS_URI": workspace.uri,
           "JUPYTER_MLOPS_ARTIFACTS": workspace.artifacts, "COLUMNS": "200"}
    done = subprocess.run([str(BIN / "jupyter-mlops"), *args], cwd=workspace.root, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


def test_cli_evaluate_for_ci(versions, churn, tracking, tmp_path):
    data = tmp_path / "test.csv"
    churn.test.to_csv(data, index=False)
    gate = ["--label", LABEL, "--slice", "country", "--slice", "country,plan",
            "--threshold", "auc>=0.7", "--slice-threshold", "auc>=0.7", "--min-slice-size", "20"]
    failed = _cli(tracking, "evaluate", "churn@candidate", str(data), *gate,
                  "--fail-unblessed", code=1)
    assert "NOT blessed" in failed.stdout and "auc on country=FR: " in failed.stdout
    # Without --fail-unblessed the verdict is printed and the step passes.
    _cli(tracking, "evaluate", "churn@candidate", str(data), *gate, "--no-save")
    shown = json.loads(_cli(tracking, "evaluate", "churn/3", str(data), *gate, "--change",
                            "auc>=-0.01", "--baseline", "churn@champion", "--fail-unblessed",
                            "--json").stdout)
    assert shown["blessed"] is True and shown["baseline"] == "churn/1"
    assert shown["kind"] == "evaluation" and shown["version"] == 3
    listed = json.loads(_cli(tracking, "evaluate", "list", "churn", "--json").stdout)
    assert [(e["version"], e["blessed"]) for e in listed] == [(3, True), (2, False)]
    assert "country=FR" in _cli(tracking, "evaluate", "show", listed[1]["id"]).stdout
    bad = _cli(tracking, "evaluate", "churn@candidate", str(data), "--label", LABEL,
               "--threshold", "auc=>0.7", code=2)
    assert bad.stderr.strip().startswith("Error: Invalid threshold 'auc=>0.7'")
    assert len(bad.stderr.strip().splitlines()) == 1
    _cli(tracking, "evaluate", "nope@x", str(data), "--label", LABEL, code=3)
    refused = _cli(tracking, "models", "promote", "churn", "2", "--require-blessing", code=4)
    assert "auc on country=FR" in refused.stderr
    _cli(tracking, "models", "promote", "churn", "3", "--require-blessing")
    assert models.get_version("churn@champion").version == 3


def test_cli_models_replay(versions, churn, tracking):
    from jupyter_mlops.session import current

    rows = churn.test.head(50)
    answer = churn.plain.predict(rows[churn.features])
    current().store.registry.log_predictions([{
        "name": "churn", "version": 1, "request_id": f"r{i}", "created_at": time.time(),
        "rows": 1,
        "inputs": json.dumps({"columns": churn.features,
                              "data": [rows[churn.features].iloc[i].tolist()]}),
        "predictions": json.dumps([int(answer[i])]),
    } for i in range(len(rows))])
    out = _cli(tracking, "models", "replay", "churn@candidate", "--since", "1h",
               "--min-agreement", "0.5", "--fail-unblessed", "--json").stdout
    shown = json.loads(out)
    assert shown["kind"] == "replay" and shown["rows"] == 50 and shown["blessed"]
    _cli(tracking, "models", "replay", "churn@candidate", "--since", "1h", "--min-agreement",
         "1.0", "--fail-unblessed", code=1 if shown["details"]["agreement"] < 1 else 0)
    assert "agreement" in _cli(tracking, "models", "replay", "churn@candidate", "--since",
                               "1h", "--no-save").stdout.lower()


def test_magic_in_a_real_shell(versions, churn, shell, capsys):
    shell.user_ns["test_df"] = churn.test
    result = shell.run_line_magic(
        "mlops_evaluate", "churn@candidate test_df --label churned --slice country "
        "--slice country,plan --slice-threshold auc>=0.7 --min-slice-size 20")
    assert not result.blessed
    assert any("country=FR" in f for f in result.failures)
    assert result.record.data == "test_df"
    cell = shell.run_cell("_r = %mlops_evaluate churn/3 test_df --label churned "
                          "--slice country --slice-threshold auc>=0.7 --min-slice-size 20")
    assert cell.success and shell.user_ns["_r"].blessed
    bad = shell.run_cell("%mlops_evaluate churn@candidate test_df --label nope")
    assert not bad.success
    assert "No label column 'nope'" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PromotionRefused)
        assert not models.promote("churn", 2, require_blessing=True)
