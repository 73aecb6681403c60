"""Progress bars for long command-line work (retag, feeds import, poll --once), drawn with tqdm.

Drawn on stderr, and only when stderr is a terminal: piped or logged output stays exactly what it was, and
stdout (where `poll --once --json` writes its items) is never touched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO


class Progress(Protocol):
    """What a long task reports: `update(n)` after each n units of work done."""

    def update(self, n: int = 1) -> object: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        return None


def is_terminal(stream: TextIO) -> bool:
    """Whether `stream` is an interactive terminal (a closed or odd stream is not)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress_bar(
    total: int | None, description: str, unit: str, *, stream: TextIO | None = None
) -> Iterator[Progress]:
    """A progress bar of `total` units on `stream` (default stderr) while the block runs, removed at the end;
    a do-nothing Progress when `stream` is not a terminal."""
    stream = stream if stream is not None else sys.stderr
    if not is_terminal(stream):
        yield _Silent()
        return
    from tqdm import tqdm

    # a terminal that reports no size (a fresh pty, some `docker exec -t`) would get an empty bar
    sized = _columns(stream) > 0
    with tqdm(
        total=total,
        desc=description,
        unit=f" {unit}",
        file=stream,
        leave=False,
        dynamic_ncols=sized,
        ncols=None if sized else 80,
    ) as bar:
        yield bar


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0
