"""The notebook face: magics, run cards, widgets and sklearn autolog.

Load it with ``%load_ext jupyter_mlops``, or for every session in ``ipython_config.py``
(or a kernel's profile)::

    c.InteractiveShellApp.extensions = ["jupyter_mlops"]

Loading imports IPython's magic machinery and the tracking API, nothing heavier: scikit-learn,
pandas, plotly and ipywidgets load only when a magic needs them.
"""

from __future__ import annotations

from typing import Any

from ..records import Source

_loaded: dict[int, tuple[Any, Any]] = {}  # id(shell) -> (magics instance, source provider)


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics and make runs started in this shell record their cell."""
    if id(ipython) in _loaded:
        return
    from ..tracking import capture
    from . import tracked
    from .magics import MlopsMagics

    magics = MlopsMagics(ipython)
    ipython.register_magics(magics)

    def provider() -> Source | None:
        return tracked.current_source(ipython)

    capture.register_source_provider(provider)
    _loaded[id(ipython)] = (magics, provider)


def unload_ipython_extension(ipython: Any) -> None:
    """End a spanning run, remove the magics and stop recording cells as sources."""
    entry = _loaded.pop(id(ipython), None)
    if entry is None:
        return
    from ..tracking import capture
    from . import notebook_path, papermill_info

    magics, provider = entry
    magics.close_span()
    capture.unregister_source_provider(provider)
    for kind in ("line", "cell"):
        table = ipython.magics_manager.magics[kind]
        for name in ("mlops_track", "mlops_runs", "mlops_compare"):
            if table.get(name) is not None and getattr(table[name], "__self__", None) is magics:
                del table[name]
    notebook_path.forget()
    papermill_info.forget()
