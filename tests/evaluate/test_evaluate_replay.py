"""Shadow replay: 1,000 requests served for real by the champion over HTTP, logged by the
server, replayed through a candidate; agreement, outputs, realised metrics, and the gate."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk

from jupyter_mlops import models
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.evaluate import evaluations, replay
from jupyter_mlops.models import PromotionRefused
from jupyter_mlops.models.serving import BackgroundServer

from .conftest import LABEL

REQUESTS = 1000


@pytest.fixture
def served(versions, churn):
    """The champion served on loopback answered REQUESTS one-row requests (ids req-0...);
    returns the rows sent, in order."""
    frame = pd.concat([churn.train, churn.test], ignore_index=True)
    rows = frame.sample(REQUESTS, replace=True, random_state=1).reset_index(drop=True)
    with BackgroundServer("churn@champion", flush_interval=0.05) as server, \
            httpx.Client(base_url=server.url) as client:
        for i in range(REQUESTS):
            one = rows.loc[[i], churn.features]
            answer = client.post("/invocations", headers={"X-Request-ID": f"req-{i}"}, json={
                "dataframe_split": {"columns": churn.features,
                                    "data": one.to_numpy().tolist()}})
            assert answer.status_code == 200, answer.text
    assert len(models.predictions("churn")) == REQUESTS
    return rows


def test_replay_of_logged_requests(served, churn):
    rows = served
    labelled = rows.index[rows.index % 5 != 0]  # 800 labels have arrived
    labels = pd.DataFrame({"request_id": [f"req-{i}" for i in labelled],
                           LABEL: rows.loc[labelled, LABEL].to_numpy(),
                           "country": rows.loc[labelled, "country"].to_numpy()})
    result = replay("churn@candidate", against="churn@champion", since="1h", labels=labels,
                    label=LABEL, slices=["country"], per_slice={"auc": {"lower": 0.7}},
                    thresholds={"auc": {"change": {"min_delta": -0.05}}}, min_agreement=0.5,
                    min_slice_size=20)
    X = rows[churn.features]
    theirs, mine = churn.plain.predict(X), churn.plain_c.predict(X)
    assert result.kind == "replay" and result.record.rows == REQUESTS
    assert result.record.details["requests"] == REQUESTS
    assert result.agreement == pytest.approx(np.mean(theirs == mine))
    assert result.record.details["reproduced"] == 1.0  # the log holds what was served
    dist = result.record.details["distributions"]
    assert dist["served"]["counts"] == {str(k): int(v) for k, v in zip(
        *np.unique(theirs, return_counts=True), strict=True)}
    assert sum(dist["candidate"]["counts"].values()) == REQUESTS
    assert result.record.details["labelled"] == len(labelled)

    y = rows.loc[labelled, LABEL].to_numpy()
    ours = churn.plain_c.predict_proba(X.loc[labelled])[:, 1]
    served_score = churn.plain.predict_proba(X.loc[labelled])[:, 1]
    overall = result.overall
    assert overall["auc"] == pytest.approx(sk.roc_auc_score(y, ours))
    assert result.to_frame(baseline=True).iloc[0]["auc"] == pytest.approx(
        sk.roc_auc_score(y, served_score))
    fr = (rows.loc[labelled, "country"] == "FR").to_numpy()
    by_slice = result.to_frame().set_index("slice")
    assert by_slice.loc["country=FR", "auc"] == pytest.approx(
        sk.roc_auc_score(y[fr], ours[fr]))
    assert by_slice.loc["country=FR", "status"] == "FAILED"
    assert not result.blessed
    assert any(f.startswith("auc on country=FR: ") for f in result.failures)
    agreement_fr = next(e for e in result.record.details["agreement_slices"]
                        if e["slice"] == "country=FR")
    sent_fr = (rows.country == "FR").to_numpy() & (rows.index % 5 != 0)
    assert agreement_fr["rows"] == sent_fr.sum()

    stored = evaluations("churn/2", kind="replay")
    assert [e.id for e in stored] == [result.id] and stored[0].baseline == "churn/1"
    assert evaluations("churn/2", kind="evaluation") == []
    assert "agreement" in repr(result) and "plotly" in result._repr_html_().lower()

    with pytest.warns(PromotionRefused, match="replay: replay"):
        refused = models.promote("churn", 2, require_replay=True)
    assert not refused
    assert models.audit_log("churn").iloc[-1]["action"] == "promotion-refused"

    # Without the slice rule the same traffic passes, and the gate lets the candidate in.
    passed = replay("churn@candidate", since="1h", labels=labels, label=LABEL,
                    min_agreement=0.5)
    assert passed.blessed and passed.baseline == "churn/1"
    assert models.promote("churn", 2, require_replay=True)
    assert models.get_version("churn@champion").version == 2


def test_replay_without_labels_and_bad_input(served, churn):
    result = replay("churn@candidate", since="1h", min_agreement=0.999, save=False)
    assert result.metrics == [] and not result.blessed
    assert result.failures[0].startswith("agreement on overall with churn/1: ")
    assert len(result.agreement_frame()) == 1
    assert result.figure().data[0].type == "bar"
    with pytest.raises(InvalidInput, match="request_id"):
        replay("churn@candidate", since="1h", labels=pd.DataFrame({LABEL: [1]}), label=LABEL)
    with pytest.raises(InvalidInput, match="No logged predictions of churn/3"):
        replay("churn@candidate", against="churn/3", since="1h")
    with pytest.raises(InvalidInput, match="since='soon'"):
        replay("churn@candidate", since="soon")


def test_gate_wants_a_replay_against_the_current_holder(versions, churn, tracking):
    from jupyter_mlops.session import current
    from jupyter_mlops.store.evaluations import EvaluationRecord

    # A passing replay, but against version 3 rather than the holder of @champion (1).
    current().store.evaluations.save(EvaluationRecord(
        id="0" * 31 + "1", created_at=1.0, name="churn", version=2, data="log", label="",
        task="classification", rows=1, blessed=True, baseline="churn/3", kind="replay"))
    with pytest.warns(PromotionRefused, match="last replayed against churn/3"):
        assert not models.promote("churn", 2, require_replay=True)
