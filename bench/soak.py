"""Soak: the real `borderwatch run` under a steady, realistic load for a while; what grows, what slows.

One process (`python -m bot.cli run`, role all) on a SQLite file (and, with `--backend postgresql` or
`both`, a private database on BORDERWATCH_TEST_DATABASE_URL's server) polls 150 loopback feeds
(`tests/feedserver.py`) every 10 s and alerts 300 subscribed chats through the Bot API emulator:

- 98 quiet feeds (answered 304), 20 that gain a new item on every poll, 5 that redirect on every poll to a
  new address carrying a session token (as CDNs and anti-bot gateways do) and gain an item each time,
- 17 faulty ones: 5 answer 500, 3 hang past the fetch timeout, 3 redirect in a loop, 2 truncated bodies,
  2 HTML pages, 2 bytes that are no feed,
- 10 probe feeds: every 25 s one of them publishes a new story about a tracked place; its publish-to-alert
  latency (first chat) and the time until every reachable chat has it are measured, and every chat must get
  it once,
- 5 unsubscribed chats send commands without pause (/status, /latest, /search, /chart, /story, /mysubs),
  one at a time each, their reply latency measured; every 40 s one more subscribed chat blocks the bot (403),
  and every 45 s Telegram answers the next 5 sends with 429.

Every 20 s it samples the process: RSS, open file descriptors, threads, parser workers' RSS, database
connections (PostgreSQL: pg_stat_activity), rows per table, and from inside the process (a sitecustomize
hook, see `_HOOK`) the asyncio task count, the event loop's lag, and the size of every dict, set, list and
deque held by an object of borderwatch, python-telegram-bot, APScheduler or httpx (summed per class and
attribute) and the count of gc-tracked objects per type. It prints the first sample after the warm-up next
to the last, as ratios, and names every container and object type that grew.

    python -m bench soak                                       # 30 s, SQLite (part of make bench)
    python -m bench.soak --duration 600 --backend both         # the 10-minute soak of docs/reliability.md
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from feeds.opml import OpmlFeed, write_opml
from storage.db import Database
from storage.migrate import upgrade
from storage.models import ALL_ENTITIES, Chat, Subscription
from tests.botapi import BotApiEmulator
from tests.feedserver import FeedServer, Resource, loopback_hosts, rss
from tests.reliability.processes import REALISTIC_TOKEN, borderwatch_env, start, terminate

ROOT = Path(__file__).resolve().parent.parent
POLL_INTERVAL = 10
SAMPLE_EVERY = 20.0
WARM_UP = 40.0  # the first round (history of 150 feeds) and the parser workers' start are not steady state
PROBE_EVERY = 25.0
BLOCK_EVERY = 40.0
THROTTLE_EVERY = 45.0
HOSTS = 10
QUIET, ROTATING, HOPPING, PROBES = 98, 20, 5, 10
SUBSCRIBED = list(range(1001, 1301))
COMMAND_CHATS = list(range(2001, 2006))
COMMANDS = ["/status", "/latest 10", "/search Sev Lake", "/chart Sev Lake 30", "/story 1", "/mysubs"]
TABLES = (
    "items",
    "stories",
    "fetch_log",
    "deliveries",
    "delivery_updates",
    "audit_log",
    "instances",
    "chats",
)
PLACES = ["Sev Lake", "Goris", "Jermuk", "Kalbajar", "Kapan", "Khoznavar", "Lachin", "Shusha", "Sotk",
          "Stepanakert", "Tavush", "Vardenis", "Ishkhanasar", "Gegharkunik", "Nakhchivan",
          "Syunik"]  # fmt: skip
EVENTS = [
    "troops shelled positions near {p}, {n} soldiers wounded",
    "a drone was shot down over {p}, the ministry says",
    "the road to {p} was blocked for {n} hours by protesters",
    "a mine exploded near {p}, {n} farmers injured",
    "a ceasefire violation was reported near {p} overnight",
    "a wildfire near {p} burned {n} hectares of forest",
    "an earthquake of magnitude 4.{n} was felt in {p}",
    "a new school for {n} pupils opened in {p}",
    "border guards exchanged fire near {p} at dawn",
    "the governor of {p} resigned after {n} years",
    "villagers in {p} report drones flying over their homes",
    "{n} families were evacuated from {p} after heavy rain",
    "a bus carrying {n} passengers overturned near {p}",
    "the gas supply to {p} was cut for {n} days",
    "troops deployed {n} armoured vehicles near {p}",
    "sniper fire was reported from positions facing {p}",
]

# Runs inside the borderwatch process (as sitecustomize, only when SOAK_PROBE names a file):
# every SOAK_EVERY seconds a thread asks the main event loop for one sample, which the loop
# writes as a JSON line: its lag, its tasks, and the sizes of the containers long-lived objects hold.
_HOOK = r"""
import os
if os.environ.get("SOAK_PROBE"):
    import asyncio, collections, gc, json, sys, threading, time
    _OUT = os.environ["SOAK_PROBE"]
    _EVERY = float(os.environ.get("SOAK_EVERY", "20"))
    _PREFIXES = ("bot", "feeds", "storage", "telegram", "apscheduler", "httpx", "httpcore")
    _KINDS = (dict, set, frozenset, list, collections.deque)
    _original = asyncio.BaseEventLoop.run_forever

    def _attributes(obj):
        found = dict(getattr(obj, "__dict__", None) or {})
        for klass in type(obj).__mro__:
            for name in getattr(klass, "__slots__", ()):
                if isinstance(name, str) and name not in found:
                    try:
                        found[name] = getattr(obj, name)
                    except AttributeError:
                        pass
        return found

    def _containers():
        sizes = collections.Counter()
        for obj in gc.get_objects():
            kind = type(obj)
            module = getattr(kind, "__dict__", {}).get("__module__")
            if not isinstance(module, str) or module.split(".")[0] not in _PREFIXES or isinstance(obj, type):
                continue
            for name, value in _attributes(obj).items():
                if isinstance(value, _KINDS) and not isinstance(value, str):
                    sizes[f"{module}.{kind.__qualname__}.{name}"] += len(value)
        for module_name, module in list(sys.modules.items()):
            if module_name.split(".")[0] not in _PREFIXES[:3]:
                continue
            for name, value in list(vars(module).items()):
                if isinstance(value, _KINDS) and not name.isupper() and not name.startswith("__"):
                    sizes[f"{module_name}.{name}"] += len(value)
                info = getattr(value, "cache_info", None)
                if callable(info) and getattr(value, "__module__", "") == module_name:
                    sizes[f"{module_name}.{name}()"] += info().currsize
        return sizes

    def _sample(loop, asked):
        try:
            _write(loop, asked)
        except Exception as exc:
            with open(_OUT, "a") as out:
                out.write(json.dumps({"error": repr(exc)}) + "\n")

    def _write(loop, asked):
        lag = time.monotonic() - asked
        tasks = len(asyncio.all_tasks(loop))
        started = time.monotonic()
        sizes = _containers()
        objects = gc.get_objects()
        kinds = collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in objects)
        line = {"at": time.time(), "lag": lag, "tasks": tasks, "scan": time.monotonic() - started,
                "objects": len(objects), "containers": dict(sizes), "types": dict(kinds.most_common(300))}
        del objects
        with open(_OUT, "a") as out:
            out.write(json.dumps(line) + "\n")

    def _sampler(loop):
        while not loop.is_closed():
            time.sleep(_EVERY)
            try:
                loop.call_soon_threadsafe(_sample, loop, time.monotonic())
            except RuntimeError:
                return

    def _run_forever(self):
        if threading.current_thread() is threading.main_thread() and not getattr(_run_forever, "on", 0):
            _run_forever.on = 1
            threading.Thread(target=_sampler, args=(self,), name="soak-sampler", daemon=True).start()
        return _original(self)

    asyncio.BaseEventLoop.run_forever = _run_forever
"""


class SoakFeeds(FeedServer):
    """The loopback feed server with feeds that change on every request: /rotate/<name>.xml gains an item
    each time it is asked (whatever the query), /hop/<n>.xml redirects to /rotate/hop<n>.xml?session=<k>
    with a new k each time."""

    def __init__(self, hosts: tuple[str, ...]) -> None:
        super().__init__(hosts)
        self.asked: Counter[str] = Counter()

    def _resource(self, method: str, path: str) -> Resource | None:
        base = path.partition("?")[0]
        if base.startswith("/rotate/"):
            with self._lock:
                self.asked[base] += 1
                k = self.asked[base]
            return Resource(body=_rotating(base, k).encode())
        if base.startswith("/hop/"):
            with self._lock:
                self.asked[base] += 1
                k = self.asked[base]
            name = base[len("/hop/") : -len(".xml")]
            return Resource(fault="redirect", location=self.url(f"/rotate/hop{name}.xml?session={k:08x}"))
        return super()._resource(method, path)


def _rotating(base: str, k: int) -> str:
    now = time.time()
    numbers = range(k, max(0, k - 10), -1)
    items = [
        (f"{base}-{j}", f"Weather bulletin {j} from station {base}", f"http://example.com{base}/{j}", "Mild.")
        for j in numbers
    ]
    return rss(f"Station {base}", items, dates=[int(now - (k - j) * 60) for j in numbers])


@dataclass
class Probe:
    marker: str
    title: str
    published: float
    first: float | None = None


@dataclass
class Sample:
    elapsed: float
    figures: dict[str, float]
    containers: dict[str, int] = field(default_factory=dict)


@dataclass
class Soak:
    backend: str
    url: str
    workdir: Path
    server: SoakFeeds
    telegram: BotApiEmulator
    pid: int = 0
    started: float = 0.0
    probes: list[Probe] = field(default_factory=list)
    probe_items: dict[str, list[tuple[str, str, str, str, int]]] = field(default_factory=dict)
    replies: list[tuple[float, float]] = field(default_factory=list)  # (elapsed, reply latency)
    unanswered: int = 0
    blocked: list[int] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    warm_up: float = WARM_UP
    sample_every: float = SAMPLE_EVERY


def _feed_list(server: SoakFeeds) -> list[OpmlFeed]:
    hosts = server.hosts
    feeds: list[OpmlFeed] = []

    def add(path: str, n: int, title: str) -> None:
        feeds.append(OpmlFeed(server.url(path, hosts[n % len(hosts)]), title, "en"))

    for n in range(QUIET):
        quiet = [(f"q{n}-{k}", f"Weather report {k} for district {n}", f"http://x/q{n}/{k}", "Calm.")
                 for k in range(5)]  # fmt: skip
        server.add(f"/quiet/{n}.xml", rss(f"Quiet {n}", quiet))
        add(f"/quiet/{n}.xml", n, f"Quiet {n}")
    for n in range(ROTATING):
        add(f"/rotate/r{n}.xml", n, f"Rotating {n}")
    for n in range(HOPPING):
        add(f"/hop/{n}.xml", n, f"Hopping {n}")
    broken = rss("Broken", [("x", "Weather report", "http://example.com/x", "x")])
    faults: list[tuple[str, dict[str, Any]]] = (
        [("status", {"status": 500})] * 5
        + [("hang", {})] * 3
        + [("redirect", {})] * 3
        + [("truncated", {"body": broken})] * 2
        + [("html", {})] * 2
    )
    for n, (fault, options) in enumerate(faults):
        path = f"/fault/{n}.xml"
        server.add(path, fault=fault, **options)
        add(path, n, f"Faulty {fault} {n}")
    for n in range(2):
        path = f"/garbage/{n}.xml"
        server.add(path, b"\x00\xff\xfe not a feed <rss><channel><item>" * 40)
        add(path, n, f"Garbage {n}")
    for n in range(PROBES):
        path = f"/probe/{n}.xml"
        server.add(
            path, rss(f"Agency {n}", [(f"p{n}-0", f"Weather report for agency {n}", "http://x/0", "")])
        )
        add(path, n, f"Agency {n}")
    return feeds


async def _seed(url: str) -> None:
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as session:
        chats = [{"id": c, "type": "private", "active": True} for c in SUBSCRIBED]
        await session.execute(insert(Chat), chats)
        await session.execute(
            insert(Subscription), [{"chat_id": c, "entity_id": ALL_ENTITIES} for c in SUBSCRIBED]
        )
    await db.dispose()


def _proc(pid: int, key: str) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return float(line.split()[1])
    return 0.0


def _fds(pid: int) -> int:
    with contextlib.suppress(OSError):
        return len(os.listdir(f"/proc/{pid}/fd"))
    return 0


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(p) for p in children.read().split()]
    return []


async def _database_figures(soak: Soak) -> dict[str, float]:
    figures: dict[str, float] = {}
    engine = create_async_engine(soak.url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for table in TABLES:
                figures[f"rows {table}"] = float(
                    await connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0
                )
            rows = await connection.execute(text("SELECT status, count(*) FROM deliveries GROUP BY status"))
            for status, count in rows:
                figures[f"deliveries {status}"] = float(count)
            if soak.backend == "postgresql":
                name = make_url(soak.url).database
                figures["database connections"] = float(
                    await connection.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = :d AND pid <> pg_backend_pid()"
                        ),
                        {"d": name},
                    )
                    or 0
                )
    finally:
        await engine.dispose()
    return figures


def _hook_lines(soak: Soak) -> list[dict[str, Any]]:
    path = soak.workdir / "probe.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def _sample(soak: Soak) -> None:
    pid = soak.pid
    figures = {
        "RSS MB": _proc(pid, "VmRSS") / 1024,
        "open fds": float(_fds(pid)),
        "threads": _proc(pid, "Threads"),
        "child processes": float(len(_children(pid))),
        "children RSS MB": sum(_proc(c, "VmRSS") for c in _children(pid)) / 1024,
        "feed server connections": float(soak.server.connections),
    }
    figures.update(await _database_figures(soak))
    lines = _hook_lines(soak)
    containers: dict[str, int] = {}
    if lines:
        last = lines[-1]
        figures["asyncio tasks"] = float(last["tasks"])
        figures["loop lag ms"] = last["lag"] * 1000
        figures["gc objects"] = float(last["objects"])
        containers = {k: int(v) for k, v in last["containers"].items()}
        containers.update({f"objects of {k}": int(v) for k, v in last.get("types", {}).items()})
    soak.samples.append(Sample(time.monotonic() - soak.started, figures, containers))


def _publish_probe(soak: Soak, number: int) -> None:
    feed = number % PROBES
    place = PLACES[number % len(PLACES)]
    # a place and an event never seen together before (for 256 probes): a repeat differing only in its
    # figure is the same story by design (it edits the first alert, "also reported by"), not a new alert
    event = EVENTS[(number + number // len(PLACES)) % len(EVENTS)]
    marker = f"{uuid.uuid4().hex[:6]}"
    title = f"{event.format(p=place, n=number % 9 + 2)} (report {marker})"
    title = title[0].upper() + title[1:]
    now = int(time.time())
    items = soak.probe_items.setdefault(str(feed), [])
    items.insert(0, (f"probe-{marker}", title, f"http://example.com/probe/{marker}", title, now))
    del items[5:]
    path = f"/probe/{feed}.xml"
    soak.server.add(path, rss(f"Agency {feed}", [i[:4] for i in items], dates=[i[4] for i in items]))
    soak.probes.append(Probe(marker, title, time.monotonic()))


def _polled_before(soak: Soak, number: int, now: float) -> bool:
    """Whether the probe feed of probe `number` was read a while ago: its history is stored, so what it
    publishes next can alert (a feed's first read is history, never alerted)."""
    first = soak.server.requests(f"/probe/{number % PROBES}.xml")[:1]
    return bool(first) and now - first[0].at > 5.0


def _watch_probes(soak: Soak) -> None:
    first_chat = SUBSCRIBED[0]
    texts = soak.telegram.sent(first_chat)
    for probe in soak.probes:
        if probe.first is None:
            for message in texts:
                if probe.marker in message.text:
                    probe.first = message.at
                    break


def _answered(soak: Soak, chat: int, before: int) -> bool:
    return len(soak.telegram.sent(chat)) > before


async def _commands(soak: Soak, chat: int, until: float) -> None:
    rng = random.Random(chat)
    while time.monotonic() < until:
        before = len(soak.telegram.sent(chat))
        asked = time.monotonic()
        soak.telegram.inject_command(chat, chat, rng.choice(COMMANDS))
        try:
            await soak.telegram.wait_until(partial(_answered, soak, chat, before), within=30)
            soak.replies.append((asked - soak.started, time.monotonic() - asked))
        except (TimeoutError, AssertionError):
            soak.unanswered += 1
        await asyncio.sleep(rng.uniform(0.5, 1.5))


async def _drive(soak: Soak, duration: float) -> None:
    until = soak.started + duration
    commanders = [asyncio.create_task(_commands(soak, chat, until)) for chat in COMMAND_CHATS]
    next_sample = soak.started + soak.warm_up
    next_probe = soak.started + soak.warm_up / 2
    next_block = soak.started + soak.warm_up
    next_throttle = soak.started + soak.warm_up
    probes = 0
    while (now := time.monotonic()) < until:
        if now >= next_probe and _polled_before(soak, probes, now):
            _publish_probe(soak, probes)
            probes += 1
            next_probe += PROBE_EVERY
        if now >= next_block:
            chat = SUBSCRIBED[-1 - len(soak.blocked)]
            soak.telegram.block_chat(chat)
            soak.blocked.append(chat)
            next_block += BLOCK_EVERY
        if now >= next_throttle:
            soak.telegram.inject_fault("429", 5, methods=["sendMessage"], retry_after=3)
            next_throttle += THROTTLE_EVERY
        if now >= next_sample:
            await _sample(soak)
            _print_sample(soak.samples[-1])
            next_sample += soak.sample_every
        _watch_probes(soak)
        await asyncio.sleep(0.2)
    await asyncio.gather(*commanders)
    # the probes published last get one more poll interval and a fan-out to arrive
    settle = time.monotonic() + POLL_INTERVAL + len(SUBSCRIBED) / 30 + 5
    while time.monotonic() < settle and any(p.first is None for p in soak.probes):
        _watch_probes(soak)
        await asyncio.sleep(0.2)
    await _sample(soak)


def _print_sample(sample: Sample) -> None:
    f = sample.figures
    print(
        f"  t={sample.elapsed:5.0f}s RSS {f['RSS MB']:.0f} MB, fds {f['open fds']:.0f}, threads "
        f"{f['threads']:.0f}, tasks {f.get('asyncio tasks', 0):.0f}, lag {f.get('loop lag ms', 0):.0f} ms, "
        f"items {f.get('rows items', 0):.0f}, deliveries {f.get('rows deliveries', 0):.0f} "
        f"(pending {f.get('deliveries pending', 0):.0f}), db conns {f.get('database connections', 0):.0f}",
        flush=True,
    )


def _delivery_counts(soak: Soak) -> tuple[int, int, int]:
    """(probes delivered to every reachable chat, chats x probes missing, repeats)."""
    complete = missing = repeats = 0
    reachable = [c for c in SUBSCRIBED if c not in soak.blocked]
    texts = {c: [m.text for m in soak.telegram.sent(c)] for c in SUBSCRIBED}
    for probe in soak.probes:
        counts = [sum(probe.marker in t for t in texts[c]) for c in reachable]
        repeats += sum(n - 1 for n in counts if n > 1)
        absent = sum(1 for n in counts if n == 0)
        missing += absent
        complete += absent == 0
    repeats += sum(
        max(0, sum(p.marker in t for t in texts[c]) - 1) for c in soak.blocked for p in soak.probes
    )
    return complete, missing, repeats


def _report(soak: Soak) -> None:
    steady = [s for s in soak.samples if s.elapsed >= soak.warm_up]
    if len(steady) < 2:
        print(f"{soak.backend}: too short to compare (no two samples after the {soak.warm_up:.0f} s warm-up)")
        return
    first, last = steady[0], steady[-1]
    minutes = (last.elapsed - first.elapsed) / 60
    print(
        f"\n{soak.backend}: samples at {first.elapsed:.0f} s and {last.elapsed:.0f} s "
        f"({minutes:.1f} min apart)"
    )
    for name in first.figures | last.figures:
        a, b = first.figures.get(name, 0.0), last.figures.get(name, 0.0)
        ratio = f"{b / a:6.2f}x" if a else "     -"
        peak = max(s.figures.get(name, 0.0) for s in steady)
        print(f"  {name:<26} {a:10.1f} -> {b:10.1f}  {ratio}  (peak {peak:.1f})")
    grown = sorted(
        ((last.containers.get(k, 0) - first.containers.get(k, 0), k) for k in last.containers),
        reverse=True,
    )
    print("  containers that grew most (sum of len() per class.attribute; gc-tracked objects per type):")
    for delta, name in grown[:12]:
        if delta <= 0:
            break
        print(f"    {name:<70} {first.containers.get(name, 0):7d} -> {last.containers[name]:7d}")
    latencies = [(p.published - soak.started, p.first - p.published) for p in soak.probes if p.first]
    lost = [p for p in soak.probes if p.first is None]
    complete, missing, repeats = _delivery_counts(soak)
    print(
        f"  probes: {len(soak.probes)} published, {len(latencies)} alerted in the first chat, "
        f"{complete} reached every reachable chat, {missing} chat-alerts missing, {repeats} repeated"
    )
    if latencies:
        third = max(1, len(latencies) // 3)
        early = statistics.median(x for _, x in latencies[:third])
        late = statistics.median(x for _, x in latencies[-third:])
        worst = max(x for _, x in latencies)
        print(
            f"  publish-to-alert latency: median of the first third {early:.1f} s, of the last third "
            f"{late:.1f} s ({late / early:.2f}x), worst {worst:.1f} s (poll interval {POLL_INTERVAL} s)"
        )
    if lost:
        print("  not alerted: " + "; ".join(p.title for p in lost[:5]))
    if soak.replies:
        third = max(1, len(soak.replies) // 3)
        early = statistics.median(x for _, x in soak.replies[:third])
        late = statistics.median(x for _, x in soak.replies[-third:])
        print(
            f"  command replies: {len(soak.replies)} answered, {soak.unanswered} unanswered in 30 s; median "
            f"{early * 1000:.0f} ms first third, {late * 1000:.0f} ms last third, worst "
            f"{max(x for _, x in soak.replies) * 1000:.0f} ms"
        )
    print(
        f"  chats that blocked the bot: {len(soak.blocked)}; 429s answered: {soak.telegram.too_many_requests}"
    )


async def _postgres(server: str) -> tuple[str, str]:
    name = f"bw_soak_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False), name


async def _drop_postgres(server: str, name: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def _soak(backend: str, duration: float, server_url: str | None, code: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        (workdir / "sitecustomize.py").write_text(_HOOK)
        dropped: str | None = None
        if backend == "postgresql":
            assert server_url is not None
            url, dropped = await _postgres(server_url)
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'soak.db'}"
        try:
            await _seed(url)
            with SoakFeeds(loopback_hosts(HOSTS)) as server:
                (workdir / "feeds.opml").write_text(write_opml(_feed_list(server)))
                async with BotApiEmulator(REALISTIC_TOKEN) as telegram:
                    for chat in SUBSCRIBED + COMMAND_CHATS:
                        telegram.add_user(chat)
                    soak = Soak(backend, url, workdir, server, telegram)
                    # a short run (make bench) samples sooner and more often, for a first and a last figure
                    soak.warm_up = min(WARM_UP, duration / 3)
                    soak.sample_every = min(SAMPLE_EVERY, duration / 4)
                    env = borderwatch_env(
                        url,
                        workdir,
                        feeds=workdir / "feeds.opml",
                        allow_private_urls="true",
                        poll_interval=POLL_INTERVAL,
                        crisis_duration=0,
                        fetch_timeout=5,
                        connect_timeout=2,
                        telegram_token=REALISTIC_TOKEN,
                        telegram_api_url=telegram.base_url,
                    )
                    env["SOAK_PROBE"] = str(workdir / "probe.jsonl")
                    env["SOAK_EVERY"] = str(soak.sample_every / 2)
                    env["PYTHONPATH"] = f"{workdir}{os.pathsep}{code}"
                    print(f"{backend}: 150 feeds, {len(SUBSCRIBED)} chats, {duration:.0f} s ...", flush=True)
                    with (workdir / "output.log").open("wb") as output:
                        process = await start(["run"], env, code, output=output)
                        soak.pid = process.pid
                        soak.started = time.monotonic()
                        try:
                            await _drive(soak, duration)
                        finally:
                            await terminate(process)
                    _report(soak)
                    log = (workdir / "output.log").read_text(errors="replace")
                    print(f"  log: {len(log.splitlines())} lines, {log.count('Traceback')} tracebacks")
        finally:
            if dropped is not None and server_url is not None:
                await _drop_postgres(server_url, dropped)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="the borderwatch tree to run (default: this one; e.g. an unpacked `git archive <ref>`)",
    )
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("BORDERWATCH_TEST_DATABASE_URL")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgresql" and not server:
            print("PostgreSQL: skipped (set BORDERWATCH_TEST_DATABASE_URL or BENCH_DATABASE_URL)")
            continue
        asyncio.run(_soak(backend, args.duration, server, args.code.resolve()))


if __name__ == "__main__":
    main()
