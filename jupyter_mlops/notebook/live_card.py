"""The run card of a tracked cell while it runs, updated in place.

A cell that is still running after ``DELAY`` seconds gets a card that says RUNNING with the
latest value of each metric, refreshed at most every ``INTERVAL`` seconds from a daemon thread,
so a long training shows its progress as it happens; when the cell ends the same display
becomes the final card. Quick cells never show it and pay only for starting the thread.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from typing import TYPE_CHECKING, Any

from ..errors import MlopsError
from .card import RunCard

if TYPE_CHECKING:
    from IPython.display import DisplayHandle

DELAY = 1.0
INTERVAL = 1.0


def wanted(shell: Any) -> bool:
    """Only a kernel's front end can update a display in place; a terminal would repeat it."""
    return getattr(shell, "kernel", None) is not None


class LiveCard:
    """The RUNNING card of ``run``, shown by ``start`` and handed over by ``stop``."""

    def __init__(self, run: Any, delay: float = DELAY, interval: float = INTERVAL) -> None:
        self._run = run
        self._delay = delay
        self._interval = interval
        self._stopped = threading.Event()
        self._handle: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> LiveCard:
        # The kernel routes a display to the cell named by the caller's context variables, which
        # a plain thread would not inherit.
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._loop,),
                                        name="mlops-live-card", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        if self._stopped.wait(self._delay):
            return
        from IPython.display import display

        try:
            self._handle = display(RunCard(self._run.summary()).bundle(), raw=True,
                                   display_id=True)
            while not self._stopped.wait(self._interval):
                self._handle.update(RunCard(self._run.summary()).bundle(), raw=True)
        except MlopsError as exc:
            # The cell goes on; only its progress display stops.
            print(f"jupyter-mlops: the running card stopped: {exc}", file=sys.stderr)

    def stop(self) -> DisplayHandle | None:
        """Stop refreshing; the display handle when the card was shown, else None."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        return self._handle
