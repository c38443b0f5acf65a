"""BLAKE3 digests: the one hashing path and the one threading threshold of the package.

Artifacts, dataset versions, cache keys and environments are all named by the BLAKE3 hex
digest of their bytes; everything that hashes asks for its hasher here.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ..errors import InvalidInput

if TYPE_CHECKING:
    import blake3

# Below this size one thread hashes faster than BLAKE3's pool can start.
THREADED_HASH_MIN = 16 * 1024 * 1024
_DIGEST = re.compile(r"[0-9a-f]{64}")


def hasher(size_hint: int = 0) -> blake3.blake3:
    """A BLAKE3 hasher, multi-threaded when ``size_hint`` bytes make the pool worth it."""
    import blake3

    if size_hint >= THREADED_HASH_MIN:
        return blake3.blake3(max_threads=blake3.blake3.AUTO)
    return blake3.blake3()


def hash_bytes(data: bytes | memoryview) -> str:
    """The BLAKE3 hex digest of ``data``."""
    hashing = hasher(len(data))
    hashing.update(data)
    return hashing.hexdigest()


def hash_file(path: str | os.PathLike[str]) -> str:
    """The BLAKE3 hex digest of a local file, memory-mapped and multi-threaded when large."""
    size = os.path.getsize(path)
    hashing = hasher(size)
    if size:
        hashing.update_mmap(os.fspath(path))
    return hashing.hexdigest()


def is_digest(digest: object) -> bool:
    """Whether ``digest`` is a full lowercase BLAKE3 hex digest."""
    return isinstance(digest, str) and _DIGEST.fullmatch(digest) is not None


def check_digest(digest: str) -> str:
    """Return ``digest`` if it is a full lowercase BLAKE3 hex digest, else raise."""
    if not is_digest(digest):
        raise InvalidInput(f"Invalid artifact digest {digest!r}: expected 64 lowercase hex digits.")
    return digest
