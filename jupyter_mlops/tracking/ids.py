"""Run ids that sort by creation time, and friendly default run names."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

_ADJECTIVES = ("amber", "brisk", "calm", "deft", "eager", "fond", "glad", "hale", "keen",
               "lucid", "mild", "neat", "proud", "quick", "rapid", "sage", "tidy", "vivid",
               "warm", "zesty")
_NOUNS = ("alder", "badger", "cedar", "dune", "egret", "fjord", "gecko", "heron", "ibis",
          "jay", "kestrel", "lark", "marten", "newt", "otter", "plover", "quail", "raven",
          "swift", "tern")


_id_lock = threading.Lock()
_last_id = [0, 0]  # (milliseconds, random part) of the previous id of this process


def new_run_id() -> str:
    """A 32-hex id that sorts by creation time (UUIDv7 layout: 48-bit milliseconds first).

    Ids made in the same millisecond by this process count up from the previous one, so they
    sort in creation order too (RFC 9562's monotonic method).
    """
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big") & ((1 << 74) - 1)
    with _id_lock:
        if millis <= _last_id[0]:
            millis, rand = _last_id[0], _last_id[1] + 1
        _last_id[0], _last_id[1] = millis, rand
    high = (millis << 16) | (0x7 << 12) | (rand >> 62)
    low = (0b10 << 62) | (rand & ((1 << 62) - 1))
    return uuid.UUID(int=(high << 64) | low).hex


def friendly_name() -> str:
    """A readable default name such as ``brisk-otter-042``."""
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_NOUNS)}-{random.randrange(1000):03d}"
