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

# id(shell) -> (the magics instances, source provider)
_loaded: dict[int, tuple[tuple[Any, ...], Any]] = {}


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics and make runs started in this shell record their cell."""
    if id(ipython) in _loaded:
        return
    from ..tracking import capture
    from . import tracked
    from .magics import magic_classes

    instances = tuple(cls(ipython) for cls in magic_classes())
    ipython.register_magics(*instances)

    def provider() -> Source | None:
        return tracked.current_source(ipython)

    capture.register_source_provider(provider)
    _loaded[id(ipython)] = (instances, provider)


def unload_ipython_extension(ipython: Any) -> None:
    """End a spanning run, remove the magics and stop recording cells as sources."""
    entry = _loaded.pop(id(ipython), None)
    if entry is None:
        return
    from ..tracking import capture
    from . import notebook_path, papermill_info

    instances, provider = entry
    for instance in instances:
        close = getattr(instance, "close_span", None)
        if callable(close):
            close()
    capture.unregister_source_provider(provider)
    for instance in instances:
        for kind, names in instance.magics.items():
            table = ipython.magics_manager.magics[kind]
            for name in names:
                if getattr(table.get(name), "__self__", None) is instance:
                    del table[name]
    notebook_path.forget()
    papermill_info.forget()
