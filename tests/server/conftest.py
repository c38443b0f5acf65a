from __future__ import annotations

import pytest


@pytest.fixture
def jp_server_config(tracking):
    """A real Jupyter server with the extension, serving the test workspace."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}},
        "MlopsServer": {"uri": tracking.uri, "artifacts": tracking.artifacts},
    }
