from __future__ import annotations

import pytest

# pytest-jupyter's fixtures (jp_fetch and a real server) for this folder only: its autouse
# event loop would fight Playwright's in the browser tests if it were a global plugin.
from pytest_jupyter.jupyter_core import *  # noqa: F403
from pytest_jupyter.jupyter_server import *  # noqa: F403


@pytest.fixture
def jp_server_config(tracking):
    """A real Jupyter server with the extension, serving the test workspace."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}},
        "MlopsServer": {"uri": tracking.uri, "artifacts": tracking.artifacts},
    }
