"""The Jupyter Server extension: a REST API under ``/jupyter-mlops/api/`` for the sidebar.

It serves the workspace the notebooks use: found from the server's root directory by the usual
walk-up, unless ``MlopsServer.uri`` / ``MlopsServer.artifacts`` (or the environment variables)
name another store.
"""

from __future__ import annotations

from typing import Any

from traitlets import Unicode
from traitlets.config import Configurable


class MlopsServer(Configurable):
    """Settings of the jupyter-mlops server extension (``c.MlopsServer.<name>``)."""

    workspace = Unicode(
        "",
        help="Folder whose workspace to serve; default: the server's root directory.",
    ).tag(config=True)
    uri = Unicode(
        "",
        help="SQLAlchemy URL of the metadata store; default: the workspace's own.",
    ).tag(config=True)
    artifacts = Unicode(
        "",
        help="fsspec URL of the artifact store; default: the workspace's own.",
    ).tag(config=True)


def load(server_app: Any) -> None:
    """Point the tracking API at the workspace and register the handlers."""
    from ..session import set_workspace
    from .routes import setup_handlers

    settings = MlopsServer(config=server_app.config)
    folder = settings.workspace or server_app.root_dir
    workspace = set_workspace(folder, uri=settings.uri or None,
                              artifacts=settings.artifacts or None)
    setup_handlers(server_app.web_app)
    server_app.log.info("jupyter-mlops: serving the workspace at %s", workspace.root)


def _load_jupyter_server_extension(server_app: Any) -> None:
    load(server_app)
