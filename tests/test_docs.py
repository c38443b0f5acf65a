"""The Python API reference (docs/api) builds with Sphinx, warnings as errors, covering the API."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jupyter_mlops

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api"


def test_the_api_reference_builds_without_warnings(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
                           "-b", "html", str(DOCS), str(tmp_path / "html")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    page = (tmp_path / "html" / "models.html").read_text()
    # The docstrings' numpydoc sections are rendered, not dumped as text.
    assert "Parameters" in page and "run_or_model_uri" in page


def test_every_public_name_is_in_the_reference():
    documented = set()
    for page in DOCS.glob("*.rst"):
        documented |= set(re.findall(r"^\.\. auto(?:function|class):: (\w+)", page.read_text(),
                                     re.MULTILINE))
    public = {name for name in jupyter_mlops.__all__ if not name.startswith("_")}
    assert public - documented == set(), "add these to a page of docs/api"
    assert documented - public == set(), "these are documented but not exported"
