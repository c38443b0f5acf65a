"""The peer environments' recipe (benchmarks/_peer.py, used by tests/peers.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.peers import _peer_module


def test_an_environment_left_half_made_is_made_again(tmp_path: Path) -> None:
    # What a run killed while the venv was being made leaves: a python without pip.
    home = tmp_path / "six-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    peer = _peer_module()
    python = peer.environment(home, ["six"], "six")
    assert subprocess.run([str(python), "-c", "import six"], check=False).returncode == 0
    # Asked again, it is reused as it is (nothing installed twice).
    assert peer.environment(home, ["six"], "six") == python
