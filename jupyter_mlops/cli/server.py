"""`jupyter mlops server`: an MLflow-compatible tracking server over the workspace."""

from __future__ import annotations

import ipaddress

import click

from . import render
from .options import use_workspace

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("server")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (loopback by default; another exposes the "
                   "workspace to the network, so pass --token too).")
@click.option("-p", "--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--token", envvar="JUPYTER_MLOPS_SERVER_TOKEN", metavar="TOKEN",
              help="Require this token on every call (clients set MLFLOW_TRACKING_TOKEN); "
                   "also read from $JUPYTER_MLOPS_SERVER_TOKEN.")
def server(host: str, port: int, token: str | None) -> None:
    """Serve MLflow's tracking REST API over this workspace until interrupted.

    Point unchanged MLflow code at it: MLFLOW_TRACKING_URI=http://127.0.0.1:5000.
    """
    use_workspace()
    from ..interop.mlflow_server.app import serve

    if token is not None and not token.strip():
        raise click.BadParameter("the token must not be empty", param_hint="--token")
    if not _is_loopback(host) and token is None:
        render.note(f"Warning: listening on {host} without --token: anyone who can reach "
                    "this port can read and write the workspace.")

    def ready() -> None:
        render.note(f"MLflow tracking server on http://{host}:{port} "
                    f"(MLFLOW_TRACKING_URI=http://{host}:{port}; Ctrl-C stops).")

    serve(host=host, port=port, token=token, on_ready=ready)
