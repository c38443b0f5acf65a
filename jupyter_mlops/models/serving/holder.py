"""The model a server answers with, following its alias without a restart.

A background thread asks the registry, every ``poll_interval`` seconds, which version the
alias (or "latest") names. When it changes, the new version is loaded and verified in that
thread, then swapped in with one reference assignment: a request reads ``holder.current``
once and finishes on the model it started with, so none is dropped or answered by a half-
loaded model. A version that fails to load is logged and kept out; the old one keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from ..flavors import Trust
from ..loaded import LoadedModel
from ..reference import ModelRef, RunModelRef, parse
from ..registry import load_model, resolve_version
from .fastpath import numeric_columns

log = logging.getLogger("jupyter_mlops.serving")


class ModelHolder:
    """The current model of a server, and the thread that follows its alias."""

    def __init__(self, uri: str, trust: Trust = False, poll_interval: float = 5.0) -> None:
        self.uri = uri
        self.trust = trust
        self.poll_interval = poll_interval
        self.ref = parse(uri)
        first = self._load_current()
        # (model, numeric fast-path columns), replaced as one reference so a request never
        # pairs one version's model with another's fast path.
        self.active: tuple[LoadedModel, tuple[str, ...] | None] = (
            first, numeric_columns(first))
        self.loaded_at = time.time()
        self.swaps = 0
        self.last_error: str | None = None
        self._failed: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> LoadedModel:
        return self.active[0]

    @property
    def follows(self) -> bool:
        """Whether the version can change (an alias or the latest version)."""
        return isinstance(self.ref, ModelRef) and self.ref.moves

    @property
    def name(self) -> str:
        return self.ref.name if isinstance(self.ref, ModelRef) else str(self.ref)

    def _load_current(self) -> LoadedModel:
        if isinstance(self.ref, RunModelRef):
            return load_model(self.uri, self.trust)
        return self._load_version(resolve_version(self.ref))

    def _load_version(self, version: int) -> LoadedModel:
        assert isinstance(self.ref, ModelRef)
        return load_model(f"{self.ref.name}/{version}", self.trust)

    def check(self) -> bool:
        """Swap in the version the alias names now, if it changed; True when swapped."""
        if not self.follows:
            return False
        assert isinstance(self.ref, ModelRef)
        try:
            version = resolve_version(self.ref)
        except Exception as exc:
            # The alias was deleted or the store is unreachable: keep serving what we have.
            self.last_error = str(exc)
            return False
        if version == self.current.version or version == self._failed:
            return False
        try:
            loaded = self._load_version(version)
        except Exception as exc:
            self._failed = version
            self.last_error = f"version {version} did not load: {exc}"
            log.error("Keeping %s: %s", self.current.label, self.last_error)
            return False
        previous = self.current.label
        self.active = (loaded, numeric_columns(loaded))
        self.loaded_at = time.time()
        self.swaps += 1
        self.last_error = None
        log.warning("%s now serves %s (was %s).", self.uri, loaded.label, previous)
        return True

    def start(self) -> None:
        if self.follows and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="mlops-alias-watch",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_interval):
            self.check()

    def describe(self) -> dict[str, Any]:
        model = self.current
        return {"uri": self.uri, "name": model.name, "version": model.version,
                "run_id": model.run_id, "flavor": model.flavor,
                "model_digest": model.model_digest, "loaded_at": self.loaded_at,
                "follows_alias": self.follows, "swaps": self.swaps,
                "last_error": self.last_error}
