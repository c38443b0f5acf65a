"""Finding the notebook a kernel runs: the path every tracked cell records.

A kernel is not told which notebook it serves, so each front end is asked in its own way, in
this order:

1. ``JUPYTER_MLOPS_NOTEBOOK`` (also settable with ``%env``): the documented override.
2. VS Code: the ``__vsc_ipynb_file__`` variable its Jupyter extension sets in the namespace.
3. papermill: the input notebook of the execution (see ``papermill_info``).
4. JupyterLab / Notebook 7 (and Notebook 6): the server's sessions API, matched on the kernel
   id of this kernel's connection file, for each server listed in Jupyter's runtime folder,
   authenticating with the server's token.
5. ``JPY_SESSION_NAME``: the session path Jupyter Server puts in a kernel's environment. It is
   the fallback for password-protected servers, whose API a kernel cannot log into; it is not
   updated when a notebook is renamed, which is why the API comes first.

A found path is reused while the file exists, so only a rename or move asks again.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from . import papermill_info

OVERRIDE_ENV = "JUPYTER_MLOPS_NOTEBOOK"
_API_TIMEOUT = 1.0
_KERNEL_FILE = re.compile(r"kernel-(?P<id>[^/\\]+)\.json$")

_lock = threading.Lock()
_cached: Path | None = None
_warned = False
# Asking every server costs HTTP round trips: after a miss, ask again only after RETRY_S.
RETRY_S = 30.0
_missed_at = [-RETRY_S]
# The kernel's folder when the extension loaded; a later os.chdir in the notebook must not move
# the root that JPY_SESSION_NAME is relative to.
_START_DIR = os.getcwd()


def find_notebook(shell: Any) -> Path | None:
    """The absolute path of the notebook ``shell`` runs, or None where none can be found.

    Parameters
    ----------
    shell:
        The running ``InteractiveShell`` (a kernel's, or a terminal's).

    Returns
    -------
    pathlib.Path or None
        The notebook file, which exists on disk.
    """
    global _cached
    override = os.environ.get(OVERRIDE_ENV)
    if override:
        return Path(override).expanduser().resolve()
    vscode = shell.user_ns.get("__vsc_ipynb_file__") if shell is not None else None
    if isinstance(vscode, str) and vscode:
        return Path(vscode)
    papermill = papermill_info.detect(shell)
    if papermill is not None and papermill.input_path:
        return Path(papermill.input_path)
    with _lock:
        if _cached is not None and _cached.is_file():
            return _cached
        now = time.monotonic()
        if _cached is None and now - _missed_at[0] < RETRY_S:
            return None
        found = _from_server_sessions() or _from_session_env()
        _cached = found
        if found is None:
            _missed_at[0] = now
        return found


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (as opposed to a terminal IPython)."""
    kernel_app = sys.modules.get("ipykernel.kernelapp")
    return kernel_app is not None and kernel_app.IPKernelApp.initialized()


def warn_once_not_found() -> None:
    """Say, once per kernel, that runs will record the cell without a notebook path."""
    global _warned
    if _warned:
        return
    _warned = True
    print(
        "jupyter-mlops: cannot tell which notebook this kernel runs, so runs record the cell "
        f"but no notebook path or snapshot. Name it with `%env {OVERRIDE_ENV}=path/to.ipynb`.",
        file=sys.stderr,
    )


def forget() -> None:
    """Drop the cached path and the said-once flag (after ``%unload_ext``, in tests)."""
    global _cached, _warned
    with _lock:
        _cached = None
        _warned = False
        _missed_at[0] = -RETRY_S


def kernel_id() -> str | None:
    """This kernel's id, read from the name of its connection file."""
    if not in_kernel():
        return None
    try:
        from ipykernel.connect import get_connection_file

        name = os.path.basename(get_connection_file())
    except Exception:  # not started from a connection file (an embedded kernel)
        return None
    match = _KERNEL_FILE.search(name)
    return match.group("id") if match else None


def running_servers() -> list[dict[str, Any]]:
    """Info of the Jupyter servers (2.x and Notebook 6) listed in the runtime folder."""
    from jupyter_core.paths import jupyter_runtime_dir

    folder = Path(jupyter_runtime_dir())
    if not folder.is_dir():
        return []
    servers = []
    for file in sorted(folder.glob("*server-*.json")):
        if not (file.name.startswith("jpserver-") or file.name.startswith("nbserver-")):
            continue
        try:
            info = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a server writing its file right now, or a stale broken one
        if isinstance(info, dict) and info.get("url") and _alive(info.get("pid")):
            servers.append(info)
    return servers


def _alive(pid: Any) -> bool:
    from ..tracking.host import is_alive

    return isinstance(pid, int) and is_alive(pid)


def sessions(server: dict[str, Any]) -> list[dict[str, Any]]:
    """The sessions of one server, through its REST API; empty when it refuses or fails."""
    url = server["url"].rstrip("/") + "/api/sessions"
    request = urllib.request.Request(url)
    token = server.get("token")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        # Servers on loopback must not go through a proxy from the environment.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=_API_TIMEOUT) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _from_server_sessions() -> Path | None:
    kernel = kernel_id()
    return notebook_from_servers(kernel) if kernel is not None else None


def notebook_from_servers(kernel: str) -> Path | None:
    """The notebook whose session runs kernel ``kernel``, asking every running server.

    Parameters
    ----------
    kernel:
        A kernel id.

    Returns
    -------
    pathlib.Path or None
        The session's file under the server's root, where a server answers for that kernel.
    """
    for server in running_servers():
        for session in sessions(server):
            if (session.get("kernel") or {}).get("id") != kernel:
                continue
            relative = session.get("path") or (session.get("notebook") or {}).get("path")
            root = server.get("root_dir") or server.get("notebook_dir")
            if relative and root:
                path = Path(root, relative).resolve()
                if path.is_file():
                    return path
    return None


def _from_session_env() -> Path | None:
    name = os.environ.get("JPY_SESSION_NAME")
    if not name or not in_kernel():
        return None
    return notebook_from_session_name(name, Path(_START_DIR))


def notebook_from_session_name(name: str, start_dir: Path) -> Path | None:
    """The notebook named by ``JPY_SESSION_NAME`` for a kernel started in ``start_dir``."""
    path = Path(name)
    if not path.is_absolute():
        # The server started the kernel in the notebook's folder, while the session path is
        # relative to the server's root: the root is that folder less the path's own folders.
        parents = len(path.parts) - 1
        if parents >= len(start_dir.parts):
            return None
        root = start_dir.parents[parents - 1] if parents > 0 else start_dir
        path = root / path
    return path.resolve() if path.is_file() else None
