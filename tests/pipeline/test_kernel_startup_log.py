"""A kernel that dies while starting: its own last words are in the step's error (issue 15).

They used to stay in ``<step>.kernel.log``, which a scratch folder takes with it, leaving
only nbclient's "kernel died" to read. The kernel here is a real kernelspec whose process
writes one line to stderr and exits before it ever answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import cli

from .pipeline_helpers import sqlite_only, write_pipeline

LAST_WORDS = "kernel boom: libmissing.so.3 cannot be opened"


@sqlite_only
def test_a_kernel_dying_at_start_up_shows_its_log_tail_in_the_step_error(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c",
                 f"import sys; print({LAST_WORDS!r}, file=sys.stderr); sys.exit(3)",
                 "{connection_file}"],
        "display_name": "Broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    write_pipeline(project, """\
        name: broken
        steps:
          prepare:
            notebook: notebooks/prepare.ipynb
            kernel: broken
            params: {test_size: 0.3}
            inputs: [data/raw.csv]
            outputs: [data/prepared]
        """)
    result = CliRunner().invoke(cli, ["pipeline", "run", "--no-progress"],
                                catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Step 'prepare'" in result.stderr
    assert "The kernel's own output" in result.stderr
    assert LAST_WORDS in result.stderr
    assert "Traceback" not in result.stderr
