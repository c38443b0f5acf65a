"""Model cards carry purpose, params, metrics, data, signature, lineage and audit history."""

from __future__ import annotations

from jupyter_mlops import models

from .conftest import register


def test_card_markdown_and_html(tracking, trained, tmp_path, monkeypatch):
    monkeypatch.setenv("LOGNAME", "ana")
    first = register(trained, alias="champion", auc=0.9, dataset="customers@3")
    models.register_model(f"runs:/{first.run_id}/model", "churn",
                          description="Flags <customers> likely to churn")
    models.promote("churn", 2, require={"auc": ">="}, reason="same model, new description")
    card = models.model_card("churn@champion")
    text = card.markdown
    assert text.startswith("# churn version 2 @champion\n")
    for expected in ("## Purpose", "Flags <customers> likely to churn", "| C | 1.0 |",
                     "| auc | 0.9 |", "- customers@3", "| age | long |", "| plan | string |",
                     "**Output kind**: classification", "**Classes**: 0, 1",
                     f"**Source run**: {first.run_id}", "**Run name**: train-churn",
                     "| scikit-learn |", "| alias | @champion | 1 | 2 | ana |",
                     "same model, new description", "| register |"):
        assert expected in text, expected
    page = card.html
    assert page.startswith("<!DOCTYPE html>")
    assert "Flags &lt;customers&gt; likely to churn" in page
    assert "<td>customers@3</td>" not in page and "<li>customers@3</li>" in page
    saved = card.save(tmp_path / "card.html")
    assert saved.read_text() == page
    assert card.save(tmp_path / "card.md").read_text() == text
    # Version 1's card shows its own history: registered, then the alias leaving it.
    old = models.model_card("churn/1").markdown
    assert "| alias | @champion | 1 | 2 |" in old and "version 1" in old.splitlines()[0]
