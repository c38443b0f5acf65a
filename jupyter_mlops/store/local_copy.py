"""Copying a local file into the artifact store, hashing the bytes as they are written.

A reflink (a copy-on-write clone) where the file system has them; else large files through
``O_DIRECT`` while the next slice is read and hashed, so the copy neither waits on allocating a
second page-cache copy of the file nor evicts the user's working set; else one read and one
write. The digest returned is of the bytes written, so the caller can refuse a file that changed
after it was hashed.
"""

from __future__ import annotations

import mmap
import os
import queue
import sys
import threading
from typing import IO

from .digest import hash_bytes, hash_file
from .digest import hasher as _hasher

# Files at least this big are copied in through O_DIRECT, in slices of PIPE_CHUNK, by at most
# PIPES copies at once (threads may store files side by side): their buffers never take more
# than PIPES * 2 * PIPE_CHUNK of memory, and the disk is busy anyway.
DIRECT_MIN = 8 * 1024 * 1024
PIPE_CHUNK = 32 * 1024 * 1024
PIPES = threading.BoundedSemaphore(2)
# O_DIRECT wants offsets, lengths and addresses aligned to the logical block size (512 or 4096).
_ALIGN = 4096
_FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)


def copy_local(source: str, target: str) -> str:
    """Copy file ``source`` to the new file ``target``; returns the digest of what was written
    (not of what ``source`` held when it was hashed earlier, if it changed since).

    A reflink (a copy-on-write clone) where the file system has them, else large files through
    ``O_DIRECT`` while the next slice is read and hashed, else one read and one write.
    """
    with open(source, "rb", buffering=0) as src, open(target, "xb", buffering=0) as out:
        size = os.fstat(src.fileno()).st_size
        if size and _reflink(src.fileno(), out.fileno()):
            out.close()
            return hash_file(target)
        if size < DIRECT_MIN:
            data = src.read()
            write_all(out.fileno(), memoryview(data), direct=False)
            return hash_bytes(data)
        with PIPES:
            return _pipe(src, out.fileno(), size)


def _reflink(source: int, target: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import fcntl

    try:
        return fcntl.ioctl(target, _FICLONE, source) == 0
    except OSError:  # EOPNOTSUPP, EXDEV, EINVAL ...: this file system cannot clone
        return False


def _set_direct(fd: int, on: bool) -> bool:
    """Turn O_DIRECT on or off for ``fd``; False where the file system refuses it."""
    direct = getattr(os, "O_DIRECT", 0)
    if not direct:
        return False
    import fcntl

    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | direct if on else flags & ~direct)
    except OSError:
        return False
    return on


def _pipe(src: IO[bytes], fd: int, size: int) -> str:
    """Copy ``src`` to ``fd`` in slices, hashing each while a second thread writes the last."""
    direct = _set_direct(fd, True)
    hasher = _hasher(size)
    # Anonymous maps are page-aligned, as O_DIRECT needs.
    free: queue.Queue[mmap.mmap] = queue.Queue()
    buffers = [mmap.mmap(-1, PIPE_CHUNK) for _ in range(2)]
    for buffer in buffers:
        free.put(buffer)
    full: queue.Queue[tuple[mmap.mmap, int] | None] = queue.Queue()
    failed: list[BaseException] = []

    # The writer has its own descriptor: if the reader is interrupted while joining it, the
    # caller closes ``fd`` and the number may be reused by another open file meanwhile.
    own = os.dup(fd)

    def drain() -> None:
        nonlocal direct
        try:
            while (item := full.get()) is not None:
                buffer, length = item
                if not failed:
                    try:
                        if direct and length % _ALIGN:
                            direct = _set_direct(own, False)  # the unaligned tail
                        with memoryview(buffer) as view:
                            direct = write_all(own, view[:length], direct)
                    except BaseException as exc:  # handed to the reading thread
                        failed.append(exc.with_traceback(None))
                free.put(buffer)
        finally:
            os.close(own)

    writer = threading.Thread(target=drain, name="mlops-copy", daemon=True)
    writer.start()
    try:
        while not failed:
            buffer = free.get()
            length = 0
            with memoryview(buffer) as view:
                # Fill whole slices, so that all but the last stay aligned.
                while length < len(view) and (count := src.readinto(view[length:])):
                    length += count
                if not length:
                    free.put(buffer)
                    break
                with view[:length] as chunk:
                    hasher.update(chunk)
            full.put((buffer, length))
    finally:
        full.put(None)
        writer.join()
        if not writer.is_alive():
            for buffer in buffers:
                buffer.close()  # 64 MiB: not left for the garbage collector
    if failed:
        raise failed[0]
    return str(hasher.hexdigest())


def write_all(fd: int, view: memoryview, direct: bool) -> bool:
    """Write all of ``view``; returns whether O_DIRECT is still on."""
    done = 0
    # An offset rather than ever-shorter slices of ``view``: a slice left alive by a raised
    # error (its traceback) would keep the buffer exported and make closing it fail.
    while done < len(view):
        with view[done:] as rest:
            try:
                written = os.write(fd, rest)
            except OSError:
                if not direct:
                    raise
                # This file system takes O_DIRECT at open but not these writes: go buffered.
                direct = _set_direct(fd, False)
                continue
        done += written
        if done < len(view) and direct:
            direct = _set_direct(fd, False)  # a short write leaves the rest unaligned
    return direct
