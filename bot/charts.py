"""Charts of stored history as PNG images for Telegram, drawn with matplotlib's Agg backend.

Sized and styled for a phone screen: 1200 × 900 pixels, large type, one strong colour per severity. Drawing
uses matplotlib's object API (a Figure per chart, no pyplot state), so charts can be drawn in worker threads.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported on first draw: it costs half a second at start-up
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX = 1200
HEIGHT_PX = 900
DPI = 100
# severity → colour: red, orange, yellow, blue, grey (distinct for the common forms of colour blindness too)
SEVERITY_COLOURS: tuple[tuple[str, str], ...] = (
    ("P1", "#d62728"),
    ("P2", "#ff7f0e"),
    ("P3", "#e6b400"),
    ("P4", "#1f77b4"),
    ("-", "#9e9e9e"),
)
# entities compared on one chart, each its own colour
LINE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
MAX_COMPARED = len(LINE_COLOURS)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# charts drawn at once (a draw holds the GIL most of its 0.2–0.5 s: more threads draw no faster), and drawn or
# waiting at once; beyond that /chart answers that charts are busy
CHART_THREADS = 1
MAX_CHARTS_PENDING = 6


@dataclass(frozen=True, slots=True)
class ChartText:
    """The words on a chart, already in the reader's language."""

    title: str
    period: str
    y_label: str
    unrated: str


@dataclass(frozen=True, slots=True)
class Series:
    """One entity's daily story counts, oldest day first."""

    name: str
    counts: tuple[int, ...]


def _figure() -> tuple[Figure, Axes]:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # names come from users and feeds: "$\\frac{1$" is text, never TeX (set once, for every thread alike)
    matplotlib.rcParams["text.parse_math"] = False

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)  # the Agg backend, whatever matplotlib's default backend is
    return figure, figure.add_subplot()


def _style(axes: Axes, text: ChartText, first_day: date, days: int) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.set_title(f"{text.title}\n{text.period}", fontsize=28, fontweight="bold", loc="left", pad=18)
    axes.set_ylabel(text.y_label, fontsize=22)
    axes.tick_params(labelsize=20)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    step = max(1, -(-days // 7))  # at most 7-8 date labels, readable at phone width
    ticks = list(range(0, days, step))
    axes.set_xticks(ticks, [(first_day + timedelta(days=i)).strftime("%d.%m") for i in ticks])
    axes.set_xlim(-0.6, days - 0.4)
    axes.set_ylim(bottom=0)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def severity_chart(per_day: Sequence[dict[str, int]], first_day: date, text: ChartText) -> bytes:
    """A PNG of stacked bars: stories per day, split by severity (P1 at the bottom), with a legend of the
    severities present; `per_day` holds {"P1": n, …, "-": n} for each day from `first_day` on."""
    figure, axes = _figure()
    days = len(per_day)
    bottom = [0] * days
    for level, colour in SEVERITY_COLOURS:
        heights = [day.get(level, 0) for day in per_day]
        if not any(heights):
            continue
        label = text.unrated if level == "-" else level
        axes.bar(range(days), heights, bottom=bottom, color=colour, label=label, width=0.8)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if any(bottom):
        axes.legend(fontsize=20, frameon=False, loc="upper left", ncols=5)
        axes.set_ylim(top=max(bottom) * 1.25)
    else:
        axes.set_ylim(top=1)
    _style(axes, text, first_day, days)
    return _png(figure)


def comparison_chart(series: Sequence[Series], first_day: date, text: ChartText) -> bytes:
    """A PNG of one line per entity (up to MAX_COMPARED, in the order given): stories per day."""
    figure, axes = _figure()
    days = max((len(s.counts) for s in series), default=1)
    top = 0
    for one, colour in zip(series[:MAX_COMPARED], LINE_COLOURS, strict=False):
        axes.plot(range(len(one.counts)), one.counts, color=colour, label=one.name, linewidth=4, marker="o")
        top = max(top, *one.counts, 0)
    if series:
        axes.legend(fontsize=18, frameon=False, loc="upper left", ncols=2)
    axes.set_ylim(top=max(1, top) * 1.4)
    _style(axes, text, first_day, days)
    return _png(figure)


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) of a PNG from its IHDR chunk; ValueError when `png` is not a PNG."""
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class ChartCache:
    """Drawn charts in memory, keyed by (entities, days, UTC date, language).

    A chart is drawn again only when its numbers changed since it was cached (a new story today), so a cached
    chart is never stale; the oldest entries go first beyond `max_entries`.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: dict[tuple[object, ...], tuple[object, bytes]] = {}
        self._max_entries = max_entries
        self.draws = 0

    def get(self, key: tuple[object, ...], data: object) -> bytes | None:
        """The cached PNG for `key` if it was drawn from the same `data`, else None."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != data:
            return None
        return entry[1]

    def put(self, key: tuple[object, ...], data: object, png: bytes) -> None:
        """Remember `png`, drawn from `data`, under `key`."""
        self._entries.pop(key, None)
        self._entries[key] = (data, png)
        self.draws += 1
        while len(self._entries) > self._max_entries:
            del self._entries[next(iter(self._entries))]


class ChartsBusy(Exception):
    """As many charts as the drawer holds are being drawn or waiting to be drawn."""


class ChartDrawer:
    """Draws charts on threads of its own (`threads`), at most `max_pending` drawn or waiting at once, so
    many chats asking for charts at once neither fill the event loop's default executor, which other work
    uses, nor queue without end: past the bound `draw` raises ChartsBusy at once."""

    def __init__(self, threads: int = CHART_THREADS, max_pending: int = MAX_CHARTS_PENDING) -> None:
        self._threads = threads
        self._max_pending = max_pending
        self._executor: ThreadPoolExecutor | None = None
        # draws submitted and not finished, counted until their thread is done even if the caller gave up
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Charts being drawn or waiting to be drawn now."""
        with self._lock:
            return self._pending

    async def draw(self, function: Callable[..., bytes], *arguments: object) -> bytes:
        """`function(*arguments)` (a chart function of this module) on a drawing thread."""
        with self._lock:
            if self._pending >= self._max_pending:
                raise ChartsBusy(f"{self._pending} charts are being drawn or waiting")
            self._pending += 1
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="chart")
        future = self._executor.submit(function, *arguments)
        future.add_done_callback(self._finished)
        return await asyncio.wrap_future(future)

    def _finished(self, _future: Future[bytes]) -> None:
        with self._lock:
            self._pending -= 1

    def close(self) -> None:
        """Stop the drawing threads once the draw in progress ends; waiting draws are cancelled."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
