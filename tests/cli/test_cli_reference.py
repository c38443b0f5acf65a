"""docs/cli.md is the commands' own help, so the reference cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

from jupyter_mlops.cli.reference import markdown

DOC = Path(__file__).parents[2] / "docs" / "cli.md"


def test_reference_is_up_to_date():
    assert DOC.read_text() == markdown(), (
        "docs/cli.md is stale: regenerate it with `jupyter mlops reference > docs/cli.md`"
    )


def test_reference_covers_every_group():
    text = markdown()
    for group in ("runs", "experiments", "artifacts", "data", "models", "drift", "pipeline",
                  "gc", "info", "serve", "reproduce"):
        assert f"### `jupyter mlops {group}`" in text
