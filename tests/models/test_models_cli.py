"""`jupyter mlops models ...` over a real workspace."""

from __future__ import annotations

import json

from click.testing import CliRunner

from jupyter_mlops.cli import cli

from .conftest import register


def _run(*args, code=0):
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"},
                                prog_name="jupyter mlops")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_models_commands(tracking, trained, tmp_path):
    first = register(trained, alias="champion", auc=0.9)
    register(trained, auc=0.8)
    listing = _run("models", "list").stdout
    assert "churn" in listing and "@champion=1" in listing
    assert "customers@1" in _run("models", "show", "churn").stdout
    shown = json.loads(_run("models", "show", "churn@champion", "--json").stdout)
    assert (shown["version"], shown["run_id"]) == (1, first.run_id)
    refused = _run("models", "promote", "churn", "2", "-r", "auc>=", code=4)
    assert "Not promoted: auc: 0.8 < 0.9 of version 1" in refused.stderr
    assert "2 -> version" not in refused.stdout
    moved = _run("models", "alias", "churn", "staging", "2", "--reason", "canary")
    assert moved.stdout.strip() == "churn@staging -> version 2."
    _run("models", "alias", "churn", "staging", "--delete")
    _run("models", "alias", "churn", "staging", code=2)
    assert "ARCHIVED" in _run("models", "status", "churn", "2", "archived").stdout
    audit = json.loads(_run("models", "audit", "churn", "--json").stdout)
    assert [e["action"] for e in audit] == ["register", "alias", "register",
                                            "promotion-refused", "alias", "alias", "status"]
    assert audit[4]["reason"] == "canary"
    assert _run("models", "card", "churn@champion").stdout.startswith("# churn version 1")
    _run("models", "card", "churn/1", "-o", str(tmp_path / "card.html"))
    assert (tmp_path / "card.html").read_text().startswith("<!DOCTYPE html>")
    assert "Unknown model 'nope'" in _run("models", "show", "nope/1", code=3).stderr
    assert "Serve URI over HTTP" in _run("models", "serve", "--help").stdout
