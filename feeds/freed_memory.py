"""Give the memory that C code freed back to the system, where the C library allows it (glibc's malloc_trim).

glibc keeps freed blocks in its arenas for reuse and returns only the top of the main heap. After a polling
round, what SQLite and the HTTP and XML code freed (prepared statements of large INSERTs, response buffers)
stays counted in the process's RSS: about 35 MB after the first round of 1,000 feeds (bench/memory.py,
mallinfo2's free bytes). malloc_trim(0) hands the free pages of every arena back (a few milliseconds).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where there is none (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the symbols the process already has: its C library's
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back_freed_memory() -> bool:
    """Return the C library's free pages to the system; False where that cannot be done."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
