"""This host's name and whether a process on it is alive: what the reaper needs."""

from __future__ import annotations

import os
import socket

HOST = socket.gethostname()


def is_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[-1].split()[0]
        return state != b"Z"
    except (OSError, IndexError):
        return True
