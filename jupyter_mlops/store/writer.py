"""The background writer: buffered metrics, pending runs and heartbeats.

``log_metric`` only appends to a deque; this thread writes the deque in one transaction at
least every ``flush_interval`` seconds, and beats the heart of every live run of the process
every ``heartbeat_interval`` seconds. A killed process therefore loses at most the last
interval of metrics, and its runs are found KILLED by their stale heartbeat.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from .metric_rows import metric_row_problem, split_storable

if TYPE_CHECKING:
    from . import Store
    from .runs import MetricRow

log = logging.getLogger("jupyter_mlops")

# A flush that keeps failing (a database gone away) retries this many times before the rows
# are dropped with an error, so memory cannot grow without bound.
MAX_PENDING_ROWS = 5_000_000


class Writer:
    """One per store and process; started on first use, restarted after a fork."""

    def __init__(self, store: Store, flush_interval: float, heartbeat_interval: float) -> None:
        self.store = store
        self.flush_interval = flush_interval
        self.heartbeat_interval = heartbeat_interval
        self._rows: collections.deque[MetricRow] = collections.deque()
        self._live: dict[str, Callable[[], None]] = {}
        self._live_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._last_beat = 0.0
        self._failures = 0
        _WRITERS.add(self)

    # -- called from user threads ----------------------------------------------------------

    def append(self, row: MetricRow) -> None:
        self._rows.append(row)
        if self._thread is None or self._pid != os.getpid():
            self._start()

    def extend(self, rows: list[MetricRow]) -> None:
        self._rows.extend(rows)
        if self._thread is None or self._pid != os.getpid():
            self._start()

    def track(self, run_id: str, create: Callable[[], None]) -> None:
        """Keep ``run_id``'s heartbeat going; ``create`` inserts it if still pending."""
        with self._live_lock:
            self._live[run_id] = create
        if self._thread is None or self._pid != os.getpid():
            self._start()

    def untrack(self, run_id: str) -> None:
        with self._live_lock:
            self._live.pop(run_id, None)

    def flush(self) -> None:
        """Write every buffered metric now (called when a run ends and at exit)."""
        with self._flush_lock:
            self._create_pending()
            self._flush_rows()

    # -- the thread ------------------------------------------------------------------------

    def _start(self) -> None:
        if self._pid != os.getpid():
            # A forked child inherits the parent's buffer and runs: those are the parent's.
            self._pid = os.getpid()
            self._rows.clear()
            with self._live_lock:
                self._live.clear()
            self._thread = None
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="jupyter-mlops-writer",
                                        daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            try:
                self.flush()
                now = time.time()
                if now - self._last_beat >= self.heartbeat_interval:
                    self._beat(now)
            except Exception as exc:  # the thread must survive a bad moment of the database
                self._failing(exc)
            else:
                self._recovered()

    def _failing(self, exc: Exception) -> None:
        # A full disk fails every second for as long as it lasts: say so once, then count,
        # and never put the rows (users' metric values) in the log.
        self._failures += 1
        if self._failures == 1:
            log.error("jupyter-mlops: background write failed (%s); retrying every %g s with "
                      "%d metric values waiting", describe(exc), self.flush_interval,
                      len(self._rows))

    def _recovered(self) -> None:
        if self._failures:
            log.warning("jupyter-mlops: background writes work again after %d failed "
                        "attempt(s)", self._failures)
            self._failures = 0

    def _create_pending(self) -> None:
        with self._live_lock:
            creators = list(self._live.values())
        for create in creators:
            create()

    def _flush_rows(self) -> None:
        count = len(self._rows)
        if not count:
            return
        popleft = self._rows.popleft
        rows = [popleft() for _ in range(count)]
        # The rows come from ActiveRun.log_metric(s), which checked each value, step and
        # timestamp as it was logged: checking a million of them again here cost a 1M-value
        # flush 0.45 s. They are checked when the database refuses a batch, below.
        try:
            self.store.runs.insert_metrics(rows)
        except Exception as exc:
            if _transient(exc):
                self._requeue(rows)
                raise
            good, bad = split_storable(rows)
            if bad:
                self._drop(bad)
                try:
                    self.store.runs.insert_metrics(good)
                    return
                except Exception as again:
                    if _transient(again):
                        self._requeue(good)
                        raise
            # A value this database refuses (or a run purged meanwhile) must cost only its
            # own rows, never every other run's metrics behind it.
            self._write_isolated(good)

    def _requeue(self, rows: list[MetricRow]) -> None:
        if len(self._rows) + len(rows) < MAX_PENDING_ROWS:
            self._rows.extendleft(reversed(rows))
        else:
            log.error("jupyter-mlops: dropped %d metric values that could not be written",
                      len(rows))

    def _write_isolated(self, rows: list[MetricRow]) -> None:
        """Write run by run, then row by row within a refused run, dropping what is refused."""
        by_run: dict[str, list[MetricRow]] = {}
        for row in rows:
            by_run.setdefault(row[0], []).append(row)
        for run_id, group in by_run.items():
            try:
                self.store.runs.insert_metrics(group)
                continue
            except Exception as exc:
                if _transient(exc):
                    self._requeue(group)
                    raise
                if _missing_run(exc):
                    log.error("jupyter-mlops: dropped %d metric values of run %s, which no "
                              "longer exists", len(group), run_id)
                    continue
            refused = []
            for row in group:
                try:
                    self.store.runs.insert_metrics([row])
                except Exception as exc:
                    if _transient(exc):
                        self._requeue([row])
                        raise
                    refused.append(row)
            self._drop(refused)

    @staticmethod
    def _drop(rows: list[MetricRow]) -> None:
        if not rows:
            return
        problem = metric_row_problem(rows[0]) or "refused by the database"
        keys = sorted({row[1] for row in rows})
        log.error("jupyter-mlops: dropped %d metric value(s) of run %s (keys %s): %s",
                  len(rows), rows[0][0], ", ".join(keys[:5]), problem)

    def _beat(self, now: float) -> None:
        with self._live_lock:
            ids = list(self._live)
        self.store.runs.heartbeat(ids, now)
        self._last_beat = now


def _transient(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's state (gone, locked, disk full), not the rows' fault."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(exc, (OperationalError, InterfaceError)):
        # A value out of range surfaces as an OperationalError from some drivers.
        return "out of range" not in str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OSError)


def _missing_run(exc: BaseException) -> bool:
    from sqlalchemy.exc import IntegrityError

    return isinstance(exc, IntegrityError)


def describe(exc: BaseException) -> str:
    """One line about ``exc`` without the statement's parameters (users' values)."""
    inner = getattr(exc, "orig", None) or exc
    first = (str(inner).strip().splitlines() or [""])[0]
    return f"{type(inner).__name__}: {first[:200]}"


_WRITERS: weakref.WeakSet[Writer] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    for writer in list(_WRITERS):
        if writer._pid == os.getpid():
            try:
                writer.flush()
            except Exception as exc:  # the statement's parameters are users' values: not logged
                log.error("jupyter-mlops: could not write %d buffered metric values at exit "
                          "(%s)", len(writer._rows), describe(exc))
