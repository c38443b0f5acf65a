"""The prediction log: what a served model saw and answered, written to the store in batches.

A request only appends to an in-memory queue (and only when sampled); a background thread
serialises the queued requests and inserts them in one transaction per batch, so the store's
latency never reaches the client. When the store falls behind, the oldest requests beyond
``max_pending`` are dropped and counted rather than letting memory grow without bound.

A request of more than ``max_rows`` rows (a batch scoring call) keeps a uniform random sample
of ``max_rows`` of its rows with their predictions, so one large call cannot fill the store.
The record says so: its ``rows`` is the request's true row count and its inputs carry
``"sampled_from"``; the logger counts such requests and warns once.
"""

from __future__ import annotations

import collections
import json
import logging
import random
import threading
import time
from typing import Any

from .payload import NumericRows

MAX_ROWS = 1000

log = logging.getLogger("jupyter_mlops.serving")


class PredictionLogger:
    """Samples served requests and writes them to the store from a background thread."""

    def __init__(self, registry: Any, name: str, sample: float = 1.0, batch_size: int = 1000,
                 interval: float = 1.0, max_pending: int = 100_000,
                 max_rows: int = MAX_ROWS) -> None:
        from ...errors import InvalidInput

        if not 0.0 <= sample <= 1.0:
            raise InvalidInput(f"Sampling rate must be between 0 and 1, not {sample!r}.")
        if max_rows < 1:
            raise InvalidInput(f"The prediction log's row limit must be at least 1, not "
                               f"{max_rows!r}.")
        self.registry = registry
        self.name = name
        self.sample = sample
        self.batch_size = batch_size
        self.interval = interval
        self.max_pending = max_pending
        self.max_rows = max_rows
        self.logged = 0
        self.sampled = 0
        self.dropped = 0
        self.failures = 0
        self._pending: collections.deque[tuple[Any, ...]] = collections.deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._flush_lock = threading.Lock()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def record(self, version: int, inputs: Any, predictions_json: str,
               request_id: str | None) -> None:
        """Queue one request (if sampled); cheap enough for the request path."""
        if self.sample < 1.0 and random.random() >= self.sample:
            return
        if len(self._pending) >= self.max_pending:
            self._pending.popleft()
            self.dropped += 1
        self._pending.append((time.time(), version, inputs, predictions_json, request_id))
        if len(self._pending) >= self.batch_size:
            self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="mlops-prediction-log",
                                            daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the thread and write what is still queued."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    def flush(self) -> int:
        """Write every queued request now; returns how many were written."""
        written = 0
        with self._flush_lock:
            while self._pending:
                batch = []
                while self._pending and len(batch) < self.batch_size:
                    batch.append(self._pending.popleft())
                rows = [self._row(*item) for item in batch]
                try:
                    self.registry.log_predictions(rows)
                except Exception:
                    # The store is down or locked for long: keep the batch for the next try
                    # (the queue bound still applies) and say so once per failure.
                    self.failures += 1
                    log.exception("Could not write %d logged predictions; will retry.",
                                  len(batch))
                    self._pending.extendleft(reversed(batch))
                    break
                written += len(rows)
                self.logged += len(rows)
        return written

    def _row(self, created_at: float, version: int, inputs: Any, predictions_json: str,
             request_id: str | None) -> dict[str, Any]:
        rows = len(inputs)
        sampled_from = None
        if rows > self.max_rows:
            inputs, predictions_json = _sample(inputs, predictions_json, self.max_rows)
            sampled_from = rows
            self.sampled += 1
            if self.sampled == 1:
                log.warning("A request of %d rows was logged as a random sample of %d rows; "
                            "the prediction log keeps at most %d rows per request "
                            "(--log-max-rows).", rows, self.max_rows, self.max_rows)
        return {"name": self.name, "version": version, "request_id": request_id,
                "created_at": created_at, "rows": rows,
                "inputs": _inputs_json(inputs, sampled_from), "predictions": predictions_json}


def _sample(inputs: Any, predictions_json: str, size: int) -> tuple[Any, str]:
    """``size`` rows of ``inputs`` drawn uniformly, in request order, with their predictions."""
    import numpy as np

    keep = np.sort(np.random.default_rng().choice(len(inputs), size, replace=False))
    predictions = json.loads(predictions_json)
    if isinstance(predictions, list) and len(predictions) == len(inputs):
        predictions_json = json.dumps([predictions[i] for i in keep])
    if isinstance(inputs, NumericRows):
        return NumericRows(inputs.columns, inputs.array[keep]), predictions_json
    if hasattr(inputs, "iloc"):
        return inputs.iloc[keep], predictions_json
    return np.asarray(inputs)[keep], predictions_json


def _inputs_json(inputs: Any, sampled_from: int | None = None) -> str:
    if isinstance(inputs, NumericRows):
        body: dict[str, Any] = {"columns": list(inputs.columns), "data": inputs.array.tolist()}
    elif hasattr(inputs, "to_json") and hasattr(inputs, "columns"):
        # pandas writes NaN as null and dates as ISO text, in C.
        split = inputs.to_json(orient="split", index=False, date_format="iso")
        if sampled_from is None:
            return split
        body = json.loads(split)
    else:
        import numpy as np

        body = {"data": np.asarray(inputs).tolist()}
    if sampled_from is not None:
        body["sampled_from"] = sampled_from
    return json.dumps(body)
