"""docs/magics.md is the magics' own help, so the reference cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

from jupyter_mlops.notebook.reference import markdown

DOC = Path(__file__).parents[2] / "docs" / "magics.md"


def test_magics_reference_is_up_to_date(shell):
    text = markdown(shell)
    # argparse wraps help to the terminal's width: compare the words, not the line breaks.
    assert "".join(DOC.read_text().split()) == "".join(text.split()), (
        "docs/magics.md is stale: regenerate it with "
        "`python -m jupyter_mlops.notebook.reference > docs/magics.md`"
    )
    for magic in ("%%mlops_track", "%mlops_runs", "%mlops_compare", "%mlops_data",
                  "%mlops_drift", "%mlops_register", "%mlops_models", "%mlops_pipeline"):
        assert f"## `{magic}`" in text
