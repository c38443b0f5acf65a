"""Helpers of the reliability tests: child processes pointed at the test's workspace."""

from __future__ import annotations

import os

import pytest

from jupyter_mlops.config import Workspace


def child_env(workspace: Workspace, **settings: str) -> dict[str, str]:
    """The environment of a child process writing to ``workspace``."""
    env = dict(os.environ)
    env.update(
        JUPYTER_MLOPS_URI=workspace.uri,
        JUPYTER_MLOPS_ARTIFACTS=workspace.artifacts,
        JUPYTER_MLOPS_FLUSH_INTERVAL="0.05",
        JUPYTER_MLOPS_HEARTBEAT_INTERVAL="0.2",
        JUPYTER_MLOPS_CAPTURE_GIT="false",
        JUPYTER_MLOPS_CAPTURE_PACKAGES="false",
    )
    env.update({f"JUPYTER_MLOPS_{k.upper()}": v for k, v in settings.items()})
    return env


@pytest.fixture
def env(tracking: Workspace):
    """``child_env`` for the tracking fixture's workspace (SQLite or PostgreSQL)."""
    return lambda **settings: child_env(tracking, **settings)
