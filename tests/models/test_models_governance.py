"""Promotion gates, version status, and the append-only audit log."""

from __future__ import annotations

import pytest
import sqlalchemy

from jupyter_mlops import models
from jupyter_mlops.errors import Conflict, InvalidInput
from jupyter_mlops.session import current

from .conftest import register


def test_promote_when_at_least_as_good(tracking, trained):
    register(trained, auc=0.80, logloss=0.5)
    register(trained, auc=0.85, logloss=0.4)
    first = models.promote("churn", 1, require={"auc": ">="})
    assert first.promoted and first.previous is None
    assert "no current holder" in first.checks[0].note
    result = models.promote("churn", 2, require={"auc": ">=", "logloss": "<="},
                            reason="weekly retrain")
    assert result.promoted and bool(result)
    assert (result.previous, result.move.to_version) == (1, 2)
    assert [c.passed for c in result.checks] == [True, True]
    assert models.get_version("churn@champion").version == 2
    assert models.audit_entries("churn")[-1].reason == "weekly retrain"


def test_promote_refuses_a_worse_candidate_and_says_why(tracking, trained):
    register(trained, alias="champion", auc=0.90)
    register(trained, auc=0.85)
    register(trained, auc=0.95)
    result = models.promote("churn", 2, require=["auc"])
    assert not result.promoted and not bool(result)
    assert result.reasons == ("auc: 0.85 < 0.9 of version 1 (required >=)",)
    assert models.get_version("churn@champion").version == 1
    refusal = models.audit_entries("churn")[-1]
    assert (refusal.action, refusal.alias, refusal.from_value, refusal.to_value) == (
        "promotion-refused", "champion", "1", "2")
    assert "0.85 < 0.9" in refusal.reason
    # A metric the candidate lacks is a refusal too, not a pass.
    missing = models.promote("churn", 3, require={"precision": ">="})
    assert not missing.promoted
    assert "has no value" in missing.reasons[0]
    assert models.promote("churn", 3, require={"auc": ">"}).promoted


def test_promote_input_errors(tracking, trained):
    register(trained)
    with pytest.raises(InvalidInput, match="Unknown comparison '=>'"):
        models.promote("churn", 1, require={"auc": "=>"})
    models.set_version_status("churn", 1, "archived")
    with pytest.raises(Conflict, match="only READY"):
        models.promote("churn", 1)


def test_status_changes_and_archived_versions(tracking, trained):
    register(trained, alias="champion")
    register(trained)
    with pytest.raises(Conflict, match="holds alias"):
        models.set_version_status("churn", 1, "ARCHIVED")
    entry = models.set_version_status("churn", 2, "archived", reason="leaky feature")
    assert (entry.from_value, entry.to_value, entry.version) == ("READY", "ARCHIVED", 2)
    with pytest.raises(Conflict, match="only READY versions take aliases"):
        models.set_alias("churn", "champion", 2)
    # The newest READY version is what a bare name loads.
    assert models.load_model("churn").version == 1
    with pytest.raises(InvalidInput, match="Unknown version status"):
        models.set_version_status("churn", 2, "deleted")


def test_audit_log_is_complete(tracking, trained, monkeypatch):
    monkeypatch.setenv("LOGNAME", "ana")
    register(trained, alias="champion", auc=0.9)
    register(trained, auc=0.8)
    models.set_alias("churn", "staging", 2, reason="try it")
    models.promote("churn", 2, require={"auc": ">="})
    models.set_alias("churn", "champion", 2, reason="override after review")
    models.delete_alias("churn", "staging", reason="done")
    models.set_version_status("churn", 1, "archived", reason="superseded")
    log = models.audit_log("churn")
    assert list(log["action"]) == ["register", "alias", "register", "alias",
                                   "promotion-refused", "alias", "alias", "status"]
    assert list(log["alias"].fillna("")) == ["", "champion", "", "staging", "champion",
                                            "champion", "staging", ""]
    assert list(log["from"].fillna("")) == ["", "", "", "", "1", "1", "2", "READY"]
    assert list(log["to"].fillna("")) == ["READY", "1", "READY", "2", "2", "2", "", "ARCHIVED"]
    assert list(log["reason"])[-3:] == ["override after review", "done", "superseded"]
    assert set(log["user"]) == {"ana"}
    assert log["timestamp"].is_monotonic_increasing
    assert len(models.audit_log(limit=2)) == 2


def test_audit_log_is_append_only_in_the_database(tracking, trained):
    register(trained, alias="champion")
    engine = current().store.engine
    for statement in ("UPDATE model_audit SET reason = 'forged'",
                      "DELETE FROM model_audit"):
        with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"), \
                engine.begin() as connection:
            connection.execute(sqlalchemy.text(statement))
    assert [e.reason for e in models.audit_entries("churn")] == ["registered version 1", None]
