"""Registry events as they happen: listeners told of each registration, alias move and refusal.

Every audited change of the registry (``register``, ``alias``, ``promotion-refused``,
``status``) is announced to the listeners right after its transaction commits, so a
capability above the registry (the alerts of ``monitor``, which this layer may not import)
reacts at once instead of at the next scheduled check. Listeners are plugins of one
``Registry``: the built-in alerts listener registers exactly as a third party's would, through
the ``jupyter_mlops.registry_listeners`` entry point group::

    [project.entry-points."jupyter_mlops.registry_listeners"]
    deploy = "their_pkg.hooks:on_registry_event"

or with ``LISTENERS.register(name, callable)`` at run time. A listener that raises is logged
and skipped: the change it hears about is already committed and must not look failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..plugins import Registry

__all__ = ["ENTRY_POINT_GROUP", "LISTENERS", "Listener", "RegistryEvent", "announce"]

ENTRY_POINT_GROUP = "jupyter_mlops.registry_listeners"

log = logging.getLogger("jupyter_mlops.models")


@dataclass(frozen=True)
class RegistryEvent:
    """What just changed in the registry; the audit log holds the full entry.

    ``action`` is an audit action: ``register``, ``alias``, ``promotion-refused`` or
    ``status``; ``alias`` is set for the alias actions.
    """

    action: str
    name: str
    version: int | None
    alias: str | None = None


Listener = Callable[[RegistryEvent], None]

# Entries are plain callables: an entry point naming a function registers the function.
LISTENERS: Registry[Listener] = Registry(
    ENTRY_POINT_GROUP, "registry listener",
    hint="Register one with jupyter_mlops.models.events.LISTENERS.register(name, function).",
    instantiate=False,
)


def announce(event: RegistryEvent) -> None:
    """Tell every listener about ``event``; never raises."""
    for entry in LISTENERS.ordered():
        try:
            entry.value(event)
        except Exception:
            log.warning("The registry listener %r failed on %s of %s; the change itself is "
                        "saved.", entry.name, event.action, event.name, exc_info=True)
