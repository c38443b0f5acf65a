"""The installed package registers both extensions, and the sidebar installed is the one built.

Jupyter's own listing commands are asked, in this environment as it is, exactly as a user would
check an install: ``jupyter labextension list`` and ``jupyter server extension list``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jupyter_mlops

ROOT = Path(__file__).parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def jupyter(*args: str) -> str:
    """The output of ``jupyter <args>`` (both streams: the listings print to stderr), uncoloured."""
    done = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True,
                          text=True, timeout=120, check=False)
    output = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, output
    return output


def source_version() -> str:
    return json.loads((ROOT / "labextension" / "package.json").read_text())["version"]


def test_the_labextension_is_installed_enabled_and_built_from_the_sources():
    listing = jupyter("labextension", "list")
    entry = re.search(r"^\s+jupyter-mlops v(\S+) enabled OK\b.*$", listing, re.MULTILINE)
    assert entry, listing
    assert entry.group(1) == source_version(), listing
    # The listing names each data folder on a line of its own, above the extensions in it.
    before = listing[: entry.start()].splitlines()
    folder = Path(next(line for line in reversed(before) if line and not line[0].isspace()))
    built = json.loads((folder / "jupyter-mlops" / "package.json").read_text())
    assert built["name"] == "jupyter-mlops"
    assert built["version"] == source_version(), (
        f"{folder / 'jupyter-mlops'} holds version {built['version']} of the sidebar: "
        "rebuild and reinstall with `pip install .`"
    )


def test_the_server_extension_is_enabled_and_validates():
    listing = jupyter("server", "extension", "list")
    assert re.search(r"^\s+jupyter_mlops enabled\s*$", listing, re.MULTILINE), listing
    validated = re.search(r"^\s+jupyter_mlops (\S+) OK\s*$", listing, re.MULTILINE)
    assert validated, listing
    assert validated.group(1) == jupyter_mlops.__version__, listing
