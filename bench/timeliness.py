"""Timeliness as a user lives it: from the moment a feed publishes to the moment the bot calls sendMessage.

Each side runs the real process (`borderwatch run`, as `python -m bot.cli run`) on its own SQLite file, its
own loopback feed server (20 loopback hosts) and its own Bot API emulator (Telegram's limits enforced). A user
sends /subscribe all; once every feed has been fetched (its history, which never alerts), feeds publish on
one fixed schedule, the same for every side:

- often: 3 feeds, each every interval / 2;
- sometimes: 4 feeds, each every 2 × interval;
- rarely: 8 feeds, each once at a random moment of the window;
- burst: 1 feed, 6 items 1 s apart in the middle of the window;
- quiet: feeds that publish nothing (but are polled all the same), about another place.

Every item names a tracked place with news of low severity, so it alerts once (story merging is set so that
no two items merge). An item's latency runs from when the server starts serving it to when the emulator
accepts its sendMessage; an item not sent when the side ends counts with the time it had waited (shown "≥").

The sides run at the same time, on the same machine:
- baseline: the schedule before issue 19, adaptive slowing of quiet feeds up to 1800 s (the old default of
  BORDERWATCH_POLL_MAX_INTERVAL, set explicitly). It runs the new scheduler (a look at least every second,
  not the old 5 s tick), so the ratio shows the schedule's gain only.
- defaults: the settings as shipped (with BORDERWATCH_POLL_INTERVAL set to the bench's interval).
- crisis: the defaults after a P1 story about Sev Lake, which every publishing feed has reported on before:
  crisis mode polls them every BORDERWATCH_CRISIS_POLL_INTERVAL (10 s).

Goals: defaults p95 <= interval + 5 s and max <= 2 × interval; crisis the same with the crisis interval.
The price is shown beside: the feed requests each side made and the CPU time of its process (parser workers
included) from the window's start to the side's end. With --verbose, every item's latency is split at the
first poll of its feed after it was published.

    python -m bench.timeliness              # interval 60 s (the default), a 4-minute window: about 7 minutes
    python -m bench.timeliness --short      # interval 20 s, a 1-minute window: about 2.5 minutes
    BENCH_TIMELINESS_SHORT=1 make bench     # the same through `make bench`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import quoteattr

from tests.botapi import BotApiEmulator
from tests.feedserver import FeedServer, loopback_hosts, rss
from tests.reliability.processes import borderwatch_env, start, terminate

USER = 4242
HOSTS = 20
CRISIS_INTERVAL = 10
PLACES = ("Goris", "Jermuk", "Kapan", "Sev Lake")
# news of low severity (P4 for every place above, checked with `borderwatch classify`)
TEMPLATES = (
    "Road repairs near {place} finished ahead of schedule, ref {ref}",
    "{place} hosts a regional tourism forum, ref {ref}",
    "New school opens in {place}, ref {ref}",
    "Farmers near {place} report a good apricot harvest, ref {ref}",
    "Weather: snow expected around {place} this week, ref {ref}",
)
CRISIS_TITLE = "Shelling near Sev Lake wounds two soldiers, ref crisis"
KINDS = ("often", "sometimes", "rarely", "burst")
DOCUMENT_ITEMS = 20


@dataclass(frozen=True)
class Plan:
    interval: int
    window: float  # seconds during which feeds publish
    quiet: int  # feeds that never publish

    @property
    def drain(self) -> float:
        """Seconds after the window that a side waits for the last alerts."""
        return 2 * self.interval + 15


@dataclass(frozen=True)
class Publication:
    at: float  # seconds after the window opens
    feed: str
    kind: str
    ref: str
    title: str


@dataclass(frozen=True)
class Side:
    name: str
    settings: dict[str, object]
    crisis: bool = False


@dataclass
class Outcome:
    side: Side
    latencies: dict[str, float] = field(default_factory=dict)  # ref → seconds
    # ref → seconds from publication to the first request of its feed after it (the wait for a poll)
    to_poll: dict[str, float] = field(default_factory=dict)
    missed: set[str] = field(default_factory=set)  # refs not sent in time (latency is a lower bound)
    requests: int = 0  # feed requests during the window and the drain
    cpu_seconds: float = math.nan  # CPU time of the process and its children (parser workers) meanwhile
    error: str | None = None


def _feeds(plan: Plan) -> dict[str, str]:
    """Feed name → kind."""
    counts = {"often": 3, "sometimes": 4, "rarely": 8, "burst": 1, "quiet": plan.quiet}
    return {f"{kind}-{n}": kind for kind, count in counts.items() for n in range(count)}


def _publications(plan: Plan, rng: random.Random) -> list[Publication]:
    plans: list[tuple[float, str, str]] = []
    for name, kind in _feeds(plan).items():
        if kind in ("often", "sometimes"):
            period = plan.interval / 2 if kind == "often" else plan.interval * 2
            at = rng.uniform(0, period)
            while at < plan.window:
                plans.append((at, name, kind))
                at += period
        elif kind == "rarely":
            plans.append((rng.uniform(0, plan.window), name, kind))
        elif kind == "burst":
            plans.extend((plan.window / 2 + k, name, kind) for k in range(6))
    plans.sort()
    publications = []
    for n, (at, name, kind) in enumerate(plans):
        ref = f"{kind[0]}{n}x{rng.randrange(1000, 9999)}"
        title = TEMPLATES[n % len(TEMPLATES)].format(place=PLACES[n % len(PLACES)], ref=ref)
        publications.append(Publication(at, name, kind, ref, title))
    return publications


def _history(name: str, kind: str, now: datetime) -> list[tuple[str, datetime]]:
    """The items a feed already has: spaced as its kind publishes (adaptive slowing reads the gaps); every
    publishing feed has reported on Sev Lake, the quiet ones only on Kapan."""
    gap, count = {
        "often": (timedelta(minutes=1), 10),
        "sometimes": (timedelta(minutes=15), 8),
        "rarely": (timedelta(days=3), 4),
        "burst": (timedelta(days=1), 4),
        "quiet": (timedelta(days=30), 3),
    }[kind]
    first = now - (timedelta(days=120) if kind == "quiet" else gap)
    place = "Kapan" if kind == "quiet" else "Sev Lake"
    return [
        (TEMPLATES[k % len(TEMPLATES)].format(place=place, ref=f"h-{name}-{k}"), first - k * gap)
        for k in range(count)
    ]


class Feeds:
    """The side's feed documents on its loopback server."""

    def __init__(self, server: FeedServer, plan: Plan, now: datetime) -> None:
        self.server = server
        self.kinds = _feeds(plan)
        self.items = {name: _history(name, kind, now) for name, kind in self.kinds.items()}
        self.hosts = loopback_hosts(HOSTS)
        self.urls = {}
        for n, name in enumerate(self.kinds):
            self.urls[name] = self._serve(name, self.hosts[n % HOSTS])

    def _serve(self, name: str, host: str | None = None) -> str:
        items = self.items[name][:DOCUMENT_ITEMS]
        body = rss(
            f"Bench {name}",
            [(title, title, f"http://example.com/{name}/{abs(hash(title))}", title) for title, _ in items],
            dates=[int(when.timestamp()) for _, when in items],
        )
        return self.server.add(f"/{name}.xml", body, host=host)

    def publish(self, name: str, title: str) -> None:
        self.items[name].insert(0, (title, datetime.now(UTC)))
        self._serve(name)

    def opml(self) -> str:
        lines = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<opml version="2.0"><head><title>bench</title></head>',
        ]
        lines.append("<body>")
        lines.extend(
            f'<outline type="rss" text="{name}" title="{name}" xmlUrl={quoteattr(url)} />'
            for name, url in self.urls.items()
        )
        lines.append("</body></opml>")
        return "\n".join(lines)

    def all_fetched(self) -> bool:
        fetched = {request.path for request in self.server.requests()}
        return all(f"/{name}.xml" in fetched for name in self.kinds)


def _sent_refs(telegram: BotApiEmulator, refs: Sequence[str]) -> dict[str, float]:
    """ref → when the emulator accepted the message that names it."""
    found: dict[str, float] = {}
    for message in telegram.sent(USER):
        for ref in refs:
            if ref not in found and f"ref {ref}" in message.text:
                found[ref] = message.at
    return found


async def _until(predicate: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


async def _run_side(side: Side, plan: Plan, publications: list[Publication], folder: Path) -> Outcome:
    outcome = Outcome(side)
    workdir = folder / side.name
    workdir.mkdir()
    with FeedServer(loopback_hosts(HOSTS)) as server:
        feeds = Feeds(server, plan, datetime.now(UTC))
        (workdir / "feeds.opml").write_text(feeds.opml())
        async with BotApiEmulator() as telegram:
            telegram.add_user(USER, "Bench")
            env = borderwatch_env(
                f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
                workdir,
                feeds=workdir / "feeds.opml",
                telegram_token=telegram.token,
                telegram_api_url=telegram.base_url,
                allow_private_urls="true",
                poll_interval=plan.interval,
                crisis_poll_interval=CRISIS_INTERVAL,
                # every item its own story, so each alerts with one sendMessage
                story_text_threshold=100,
                story_text_evidence_threshold=100,
                story_cross_language_hours=0,
                **side.settings,
            )
            with (workdir / "borderwatch.log").open("wb") as log:
                process = await start(["run"], env, workdir, output=log)
                try:
                    await _measure(outcome, telegram, server, feeds, plan, publications, process.pid)
                except Exception as exc:
                    outcome.error = f"{type(exc).__name__}: {exc}"
                finally:
                    with contextlib.suppress(Exception):
                        await terminate(process)
            if outcome.error:
                tail = (workdir / "borderwatch.log").read_text(errors="replace")[-1500:]
                outcome.error += f"\n--- log of {side.name} ---\n{tail}"
    return outcome


async def _measure(
    outcome: Outcome,
    telegram: BotApiEmulator,
    server: FeedServer,
    feeds: Feeds,
    plan: Plan,
    publications: list[Publication],
    pid: int,
) -> None:
    await telegram.wait_until(lambda: bool(telegram.commands_for()), within=120)
    telegram.inject_command(USER, USER, "/subscribe all")
    await telegram.wait_for_messages(USER, 1, within=60)
    await _until(feeds.all_fetched, 120, "every feed's first fetch")
    await asyncio.sleep(2)  # the first fetches are stored (history, no alerts)
    if outcome.side.crisis:
        feeds.publish("often-0", CRISIS_TITLE)
        await _until(
            lambda: _sent_refs(telegram, ["crisis"]),
            2 * plan.interval + 30,
            "the P1 alert that starts crisis",
        )
        await asyncio.sleep(1)
    server.clear_log()
    cpu_before = _cpu_seconds(pid)
    published: dict[str, float] = {}
    feed_of: dict[str, str] = {}
    opened = time.monotonic()
    for publication in publications:
        await asyncio.sleep(max(0.0, opened + publication.at - time.monotonic()))
        feeds.publish(publication.feed, publication.title)
        published[publication.ref] = time.monotonic()
        feed_of[publication.ref] = f"/{publication.feed}.xml"
    refs = list(published)
    deadline = opened + plan.window + plan.drain
    with contextlib.suppress(TimeoutError):
        await telegram.wait_until(
            lambda: len(_sent_refs(telegram, refs)) == len(refs), max(0.0, deadline - time.monotonic())
        )
    sent = _sent_refs(telegram, refs)
    ended = time.monotonic()
    outcome.cpu_seconds = _cpu_seconds(pid) - cpu_before
    for ref, at in published.items():
        if ref in sent:
            outcome.latencies[ref] = sent[ref] - at
        else:
            outcome.latencies[ref] = ended - at
            outcome.missed.add(ref)
    requests = server.requests()
    outcome.requests = len(requests)
    for ref, at in published.items():
        polls = [r.at for r in requests if r.path == feed_of[ref] and r.at >= at]
        if polls:
            outcome.to_poll[ref] = min(polls) - at


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` and every process below it (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    family, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent and child not in family]
        family.update(children)
        frontier.extend(children)
    return sum(times.get(member, 0.0) for member in family)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


@dataclass(frozen=True)
class Figures:
    p50: float
    p95: float
    max: float
    bounded: bool  # some items were never sent: the figures are lower bounds

    def show(self, value: float) -> str:
        return f"{'≥' if self.bounded else ''}{value:.1f} s"


def _figures(outcome: Outcome, publications: Sequence[Publication], kind: str | None = None) -> Figures:
    refs = [p.ref for p in publications if kind is None or p.kind == kind]
    values = [outcome.latencies[ref] for ref in refs if ref in outcome.latencies]
    bounded = any(ref in outcome.missed for ref in refs)
    return Figures(
        _percentile(values, 0.5), _percentile(values, 0.95), max(values, default=math.nan), bounded
    )


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


def _report(
    plan: Plan, publications: list[Publication], outcomes: list[Outcome], *, verbose: bool = False
) -> None:
    for outcome in outcomes:
        if outcome.error:
            print(f"{outcome.side.name}: FAILED: {outcome.error}")
    header = f"{'side':<10} {'items':>5} {'sent':>5} {'p50':>9} {'p95':>9} {'max':>9}  " + "  ".join(
        f"{kind + ' p95/max':>22}" for kind in KINDS
    )
    print(header + f"  {'feed requests':>13}  {'CPU':>7}")
    for outcome in outcomes:
        overall = _figures(outcome, publications)
        kinds = "  ".join(
            f"{f.show(f.p95) + ' / ' + f.show(f.max):>22}"
            for f in (_figures(outcome, publications, kind) for kind in KINDS)
        )
        sent = len(outcome.latencies) - len(outcome.missed)
        waits = list(outcome.to_poll.values())
        after = [
            outcome.latencies[ref] - wait
            for ref, wait in outcome.to_poll.items()
            if ref not in outcome.missed
        ]
        breakdown = (
            f"   (wait for the poll p95 {_percentile(waits, 0.95):.1f} s "
            f"max {max(waits, default=math.nan):.1f} s; "
            f"poll → sendMessage p50 {_percentile(after, 0.5):.1f} s p95 {_percentile(after, 0.95):.1f} s "
            f"max {max(after, default=math.nan):.1f} s)"
        )
        print(
            f"{outcome.side.name:<10} {len(publications):>5} {sent:>5} {overall.show(overall.p50):>9} "
            f"{overall.show(overall.p95):>9} {overall.show(overall.max):>9}  {kinds}  {outcome.requests:>13}"
            f"  {outcome.cpu_seconds:5.1f} s"
        )
        print(breakdown)
    if verbose:
        for outcome in outcomes:
            for publication in publications:
                ref = publication.ref
                wait = outcome.to_poll.get(ref, math.nan)
                print(
                    f"  {outcome.side.name:<9} {publication.at:6.1f} s {publication.feed:<12} {ref:<9} "
                    f"latency {outcome.latencies[ref]:6.1f} s = poll after {wait:5.1f} s "
                    f"+ {outcome.latencies[ref] - wait:5.1f} s{' (not sent)' * (ref in outcome.missed)}"
                )
    by_name = {outcome.side.name: _figures(outcome, publications) for outcome in outcomes}
    base, ours, crisis = by_name["baseline"], by_name["defaults"], by_name["crisis"]
    print(
        f"defaults vs baseline: p95 {_ratio(ours.p95, base.p95)}, max {_ratio(ours.max, base.max)}"
        f"{' (the baseline figures are lower bounds)' * base.bounded}; {_goal(ours, plan.interval)}"
    )
    print(
        f"crisis vs defaults: p95 {_ratio(crisis.p95, ours.p95)}, max {_ratio(crisis.max, ours.max)}; "
        f"{_goal(crisis, CRISIS_INTERVAL)}"
    )


def _goal(figures: Figures, interval: int) -> str:
    met = not figures.bounded and figures.p95 <= interval + 5 and figures.max <= 2 * interval
    return f"goal p95 <= {interval + 5} s and max <= {2 * interval} s: {'met' if met else 'NOT met'}"


async def _run(plan: Plan, *, verbose: bool = False) -> None:
    publications = _publications(plan, random.Random(19))
    publishing = sum(kind != "quiet" for kind in _feeds(plan).values())
    print(
        f"publish → sendMessage through `borderwatch run`: interval {plan.interval} s, crisis interval "
        f"{CRISIS_INTERVAL} s, window {plan.window:.0f} s (+{plan.drain:.0f} s to drain), "
        f"{publishing} publishing feeds + {plan.quiet} quiet, {len(publications)} items; three sides at once",
        flush=True,
    )
    sides = [
        Side("baseline", {"poll_max_interval": 1800}),
        Side("defaults", {}),
        Side("crisis", {}, crisis=True),
    ]
    with tempfile.TemporaryDirectory() as folder:
        outcomes = await asyncio.gather(
            *(_run_side(side, plan, publications, Path(folder)) for side in sides)
        )
    _report(plan, publications, list(outcomes), verbose=verbose)


def main(argv: list[str] | None = None) -> None:
    """Run the three sides and print their figures with ratios."""
    parser = argparse.ArgumentParser(prog="bench.timeliness", description=__doc__)
    short = bool(os.environ.get("BENCH_TIMELINESS_SHORT"))
    parser.add_argument("--short", action="store_true", default=short, help="interval 20 s, 1-minute window")
    parser.add_argument("--interval", type=int, default=None, help="BORDERWATCH_POLL_INTERVAL (default 60)")
    parser.add_argument(
        "--window", type=float, default=None, help="seconds of publishing (default 4 intervals)"
    )
    parser.add_argument("--quiet", type=int, default=None, help="feeds that never publish (default 100)")
    parser.add_argument("--verbose", action="store_true", help="every item's latency, split at its poll")
    args, _unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    interval = args.interval or (20 if args.short else 60)
    window = args.window or (60.0 if args.short else 4.0 * interval)
    quiet = args.quiet if args.quiet is not None else (30 if args.short else 100)
    asyncio.run(_run(Plan(max(10, interval), window, quiet), verbose=args.verbose))


if __name__ == "__main__":
    main()
