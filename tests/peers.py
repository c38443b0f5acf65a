"""The other systems' own code, in virtual environments of their own, for interop tests.

MLflow, kfp and their kin pin library versions that our environment must not take, so an
interop test runs them in a subprocess of a separate interpreter. Each environment lives in a
cache folder outside the clone (``$JUPYTER_MLOPS_PEER_ENVS``, else
``~/.cache/jupyter-mlops/peer-envs``), named by a digest of its requirements, so a change of
requirements makes a new one and a fresh clone reuses what an earlier run made. The recipe is
the benchmarks' (``benchmarks/_peer.py``): one way to make a peer environment.

Use::

    python = peer_python(["mlflow-skinny==3.*"], module="mlflow")
    subprocess.run([python, "-c", "import mlflow; ..."], env=quiet_env(), check=True)

When the environment cannot be made (no package index), the test is skipped with the pip
error, unless ``CI`` is set: CI must run every interop test, so there it fails.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _peer_module():
    # benchmarks/ is not a package (its scripts run as files), so load _peer.py by path.
    spec = importlib.util.spec_from_file_location("_bench_peer", REPO / "benchmarks" / "_peer.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


def envs_root() -> Path:
    """The folder that holds the peer environments (outside the clone)."""
    configured = os.environ.get("JUPYTER_MLOPS_PEER_ENVS")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "jupyter-mlops" / "peer-envs"


def peer_python(requirements: Sequence[str], module: str) -> Path:
    """The ``python`` of an environment holding ``requirements``, made on first use."""
    key = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:16]
    home = envs_root() / f"{module}-{key}"
    peer = _peer_module()
    # environment() makes it once when xdist workers or two clones' suites ask at once.
    try:
        return peer.environment(home, list(requirements), module)
    except peer.BenchError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"peer environment for {module} unavailable: {error}")


def quiet_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with the peers' telemetry off, plus ``extra``."""
    return _peer_module().quiet_env(extra)
