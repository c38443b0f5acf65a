"""One registry helper for everything that varies: flavors, executors, statistics, samplers...

A built-in registers exactly as a third party does, so both are found the same way::

    FLAVORS: Registry[Flavor] = Registry("jupyter_mlops.flavors", "model flavor")
    FLAVORS.register("sklearn", SklearnFlavor(), priority=0)

A package of someone else's adds ``[project.entry-points."jupyter_mlops.flavors"]
xgboost = "their_pkg.flavor:XGBoostFlavor"``; entry points are loaded once, on the first
lookup. A plugin that fails to load is skipped with one warning that names it and the error,
so one broken package never takes the built-ins down with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import AlreadyExists, NotFound

log = logging.getLogger("jupyter_mlops")

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered plugin: its name, the object, and its precedence (higher wins first)."""

    name: str
    value: T
    priority: int = 0


class Registry(Generic[T]):
    """Named plugins of one kind, from ``register`` calls and one entry-point group."""

    def __init__(self, group: str, kind: str, hint: str = "", *,
                 instantiate: bool = True) -> None:
        self.group = group
        self.kind = kind
        self.hint = hint
        # Plugins that are objects (flavors, dialects) come as classes in entry points and are
        # instantiated; plugins that are factories (executors) are registered as they are.
        self.instantiate = instantiate
        self._entries: dict[str, Entry[T]] = {}
        self._loaded = False
        self._lock = threading.RLock()

    def register(self, name: str, value: T, *, priority: int = 0, replace: bool = False) -> T:
        """Add ``value`` under ``name``; ``priority`` orders ``ordered()`` (specific first)."""
        with self._lock:
            if name in self._entries and not replace:
                raise AlreadyExists(
                    f"A {self.kind} named {name!r} is already registered; "
                    "pass replace=True to override it."
                )
            self._entries[name] = Entry(name, value, priority)
        return value

    def unregister(self, name: str) -> None:
        """Remove ``name`` (a test's or a notebook's temporary plugin)."""
        with self._lock:
            self._entries.pop(name, None)

    def get(self, name: str) -> T:
        """The plugin called ``name``, or NotFound listing the known names."""
        # An entry point never replaces a registered name, so a name already here needs no
        # scan of every installed distribution's metadata (15-30 ms, paid by each fresh CLI).
        entry = self._entries.get(name)
        if entry is not None:
            return entry.value
        self._load_entry_points()
        entry = self._entries.get(name)
        if entry is None:
            known = ", ".join(self.names()) or "none"
            hint = f" {self.hint}" if self.hint else ""
            raise NotFound(f"Unknown {self.kind} {name!r}. Known: {known}.{hint}")
        return entry.value

    def __contains__(self, name: object) -> bool:
        if name in self._entries:
            return True
        self._load_entry_points()
        return name in self._entries

    def names(self) -> list[str]:
        """Registered names, sorted: for help texts, hints and errors."""
        self._load_entry_points()
        return sorted(self._entries)

    def ordered(self) -> Iterator[Entry[T]]:
        """Entries by precedence (highest priority first, then by name) for first-match lookups."""
        self._load_entry_points()
        yield from sorted(self._entries.values(), key=lambda e: (-e.priority, e.name))

    def first(self, accepts: Callable[[T], bool]) -> T | None:
        """The plugin of highest precedence that ``accepts``, or None."""
        for entry in self.ordered():
            if accepts(entry.value):
                return entry.value
        return None

    def _load_entry_points(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            from importlib.metadata import entry_points

            for point in entry_points(group=self.group):
                if point.name in self._entries:
                    continue
                try:
                    loaded = point.load()
                    value = loaded() if self.instantiate and isinstance(loaded, type) \
                        else loaded
                except Exception as exc:  # a broken third-party plugin must not break ours
                    log.warning("jupyter-mlops: skipped the %s plugin %r (%s): %s",
                                self.kind, point.name, point.value, exc)
                    continue
                priority = int(getattr(value, "priority", 0))
                self._entries[point.name] = Entry(point.name, value, priority)
