"""Paid broadcast: one P1 alert to N private chats at up to 1,000 messages/s (BORDERWATCH_PAID_BROADCAST).

Through the real outbox on a SQLite file, DeliveryLoop and ChatRateLimiter (SEND_RATE 1000, the default
SEND_CONCURRENCY), against the Bot API emulator enforcing the paid limits (1,000 messages/s with
allow_paid_broadcast, 1/s per chat). The emulator runs in a process of its own, as Telegram's servers are not
on the bot's CPU (its CPU is reported apart); --inline-emulator runs it in the bot's process.

Figures: time to the last message, 429 answers, rows marked sent (each once), CPU seconds per message
(process CPU; the event loop's thread apart from the SQLite thread), and where the event loop's CPU goes
(cProfile self time by package, in a second, profiled run of the same size).
Baselines (same run, same size): the same delivery over python-telegram-bot's HTTPXRequest (the HTTP layer
before bot.aiohttp_request), and with each sent alert marked in its own transaction (mark batch 1: the outbox
before batching).

Measured on the 2-CPU development machine shared with other jobs (load average 1.7), 10,000 chats: the last
message after 10.2 s (976 msg/s), 0 × 429, every chat one message and every row marked sent once, 0.86 ms of
the bot's CPU per message; over HTTPXRequest in the same run 18.8 s and 1.72 ms (0.54× the time, 0.50× the
CPU). 3,000 chats: 3.3 s and 0.97 ms, over HTTPXRequest 7.1 s and 2.10 ms (0.46×, 0.46×). Before (httpx, the
alert formatted for each chat; an earlier run at load average about 5): 29.9 s and 2.06 ms for 10,000.

    python -m bench.paid                  # 3,000 chats (a few minutes on a loaded machine)
    python -m bench.paid --chats 10000    # the issue's size
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import func, select
from telegram.request import HTTPXRequest

from bench.fanout import _emulator, _seed
from bot.app import build_application, request_settings
from bot.context import BotContext
from bot.deliver import DeliveryLoop
from bot.sent_record import MAX_BATCH
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Delivery
from storage.settings import PAID_SEND_RATE, load_settings
from tests.botapi import BotApiEmulator

DEFAULT_CHATS = 3000
TARGET_SECONDS = 15.0  # the goal for 10,000 chats
# where the event loop's CPU goes: the first matching path fragment names the package
_PACKAGES = (
    ("/telegram/request/", "python-telegram-bot: request building"),
    ("/telegram/", "python-telegram-bot: Bot, objects, limiter base"),
    ("/httpx/", "httpx + httpcore + h11 (HTTP client)"),
    ("/httpcore/", "httpx + httpcore + h11 (HTTP client)"),
    ("/h11/", "httpx + httpcore + h11 (HTTP client)"),
    ("/anyio/", "httpx + httpcore + h11 (HTTP client)"),
    ("/aiohttp/", "aiohttp + yarl + multidict (HTTP client)"),
    ("/yarl/", "aiohttp + yarl + multidict (HTTP client)"),
    ("/multidict/", "aiohttp + yarl + multidict (HTTP client)"),
    ("/sqlalchemy/", "SQL: SQLAlchemy + aiosqlite (event loop side)"),
    ("/aiosqlite/", "SQL: SQLAlchemy + aiosqlite (event loop side)"),
    ("/tests/botapi/", "emulator (tests/botapi)"),
    ("/bot/", "borderwatch bot/ (loop, limiter, format)"),
    ("/storage/", "borderwatch storage/"),
    ("/asyncio/", "asyncio event loop"),
    ("selectors.py", "asyncio event loop"),
    ("/json/", "json (both sides)"),
    ("/urllib/", "urllib.parse (URL handling, form encoding)"),
)


@dataclass(frozen=True)
class Run:
    seconds: float  # first send to the last message Telegram accepted
    delivered: int  # messages the emulator accepted
    chats_with_one: int  # chats that got exactly one message
    too_many: int
    paid: int  # messages sent with allow_paid_broadcast
    marked: int  # rows marked sent
    distinct_marked: int  # distinct chats among them
    writes: int  # transactions that marked rows sent
    cpu: float  # the bot process's CPU seconds over the delivery (with the emulator inline: both)
    loop_cpu: float  # of which the event loop's thread
    emulator_cpu: float | None  # the emulator process's CPU seconds (None: it ran inline)


@dataclass(frozen=True)
class Seen:
    """What the emulator saw: arrival times, messages per chat, 429s, paid messages, its CPU seconds."""

    arrivals: list[float]
    per_chat: Counter[int]
    too_many: int
    paid: int
    cpu: float | None


def _seen(telegram: BotApiEmulator, cpu: float | None) -> Seen:
    sent = telegram.all_sent()
    return Seen(
        [m.at for m in sent],
        Counter(m.chat_id for m in sent),
        telegram.too_many_requests,
        telegram.stats["paid"],
        cpu,
    )


def _emulator_process(conn: Connection, chats: int) -> None:
    """The emulator in a process of its own (Telegram's CPU is not the bot's): it sends (token, base URL),
    serves until told to report, then sends what it saw."""

    async def serve() -> None:
        async with _emulator(chats, paid_per_second=PAID_SEND_RATE) as telegram:
            cpu = time.process_time()
            conn.send((telegram.token, telegram.base_url))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)
            conn.send(_seen(telegram, time.process_time() - cpu))

    asyncio.run(serve())


@contextlib.asynccontextmanager
async def _telegram(
    chats: int, inline: bool
) -> AsyncIterator[tuple[str, str, Callable[[], Awaitable[Seen]]]]:
    """(token, base URL, a coroutine function reporting what the emulator saw), inline or in a process."""
    if inline:
        async with _emulator(chats, paid_per_second=PAID_SEND_RATE) as telegram:

            async def report_inline() -> Seen:
                return _seen(telegram, None)

            yield telegram.token, telegram.base_url, report_inline
        return
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_emulator_process, args=(theirs, chats))
    process.start()
    try:
        loop = asyncio.get_running_loop()
        token, base_url = await loop.run_in_executor(None, ours.recv)

        async def report() -> Seen:
            ours.send("report")
            seen: Seen = await loop.run_in_executor(None, ours.recv)
            return seen

        yield token, base_url, report
    finally:
        process.join(30)
        if process.is_alive():
            process.kill()


async def _deliver(
    chats: int,
    mark_batch: int,
    *,
    inline: bool,
    profile: cProfile.Profile | None = None,
    httpx: bool = False,
) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'paid.db'}"
        await upgrade(url)
        db = Database(url)
        try:
            await _seed(db, chats, severity="P1")
            async with _telegram(chats, inline) as (token, base_url, report):
                settings = load_settings(
                    telegram_token=token,
                    telegram_api_url=base_url,
                    database_url=url,
                    paid_broadcast=True,
                    send_rate=PAID_SEND_RATE,
                )
                ctx = BotContext(db=db, settings=settings)
                request = HTTPXRequest(**request_settings(ctx)) if httpx else None
                application = build_application(ctx, request=request)
                await application.initialize()
                try:
                    loop = DeliveryLoop(ctx, application.bot, mark_batch=mark_batch)
                    cpu, loop_cpu, started = time.process_time(), time.thread_time(), time.monotonic()
                    if profile is not None:
                        profile.enable()
                    await loop.run_until_idle()
                    if profile is not None:
                        profile.disable()
                    cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
                finally:
                    await application.shutdown()
                seen = await report()
            async with db.transaction() as session:
                sent = Delivery.status == "sent"
                marked = await session.scalar(select(func.count()).where(sent)) or 0
                distinct = await session.scalar(
                    select(func.count(func.distinct(Delivery.chat_id))).where(sent)
                )
        finally:
            await db.dispose()
    return Run(
        # CLOCK_MONOTONIC is one clock for every process of the machine
        seconds=(max(seen.arrivals) - started) if seen.arrivals else 0.0,
        delivered=len(seen.arrivals),
        chats_with_one=sum(1 for n in seen.per_chat.values() if n == 1),
        too_many=seen.too_many,
        paid=seen.paid,
        marked=marked,
        distinct_marked=distinct or 0,
        writes=loop.recorder.writes,
        cpu=cpu,
        loop_cpu=loop_cpu,
        emulator_cpu=seen.cpu,
    )


def _line(name: str, run: Run, chats: int) -> str:
    per = 1000 / max(run.delivered, 1)
    emulator = (
        "emulator inline"
        if run.emulator_cpu is None
        else f"emulator process {run.emulator_cpu * per:.2f} ms/msg besides"
    )
    return (
        f"{name}\n    last message after {run.seconds:6.1f} s ({run.delivered / max(run.seconds, 1e-9):4.0f} "
        f"msg/s)  429s {run.too_many}  paid {run.paid}  delivered {run.delivered}/{chats} "
        f"(chats with exactly one: {run.chats_with_one})\n    rows marked sent {run.marked} "
        f"({run.distinct_marked} chats) in {run.writes} writes  "
        f"bot CPU {run.cpu * per:.2f} ms/msg (event loop {run.loop_cpu * per:.2f}, "
        f"SQLite thread {(run.cpu - run.loop_cpu) * per:.2f}; {emulator})"
    )


def _per_message(run: Run) -> float:
    return run.cpu / max(run.delivered, 1)


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a"


def _package(path: str) -> str:
    normalised = path.replace(os.sep, "/")
    return next((name for fragment, name in _PACKAGES if fragment in normalised), "other")


def _where_cpu_goes(profile: cProfile.Profile, messages: int) -> list[str]:
    """Self time by package; a built-in function's time goes to the packages that called it."""
    entries = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    for (path, line, function), (_cc, _nc, self_time, _ct, callers) in entries.items():
        by_function[f"{'/'.join(path.replace(os.sep, '/').split('/')[-2:])}:{line} {function}"] += self_time
        if path != "~" or not callers:
            by_package[_package(path)] += self_time
            continue
        for (caller_path, _line, _function), caller_stats in callers.items():
            by_package[_package(caller_path)] += caller_stats[2]  # this built-in's time under that caller
    total = sum(by_package.values()) or 1.0
    lines = [
        f"  {name:<48} {seconds * 1e6 / messages:6.0f} µs/msg  {seconds / total:5.1%}"
        for name, seconds in by_package.most_common()
    ]
    lines.append("  top functions by self time:")
    lines += [
        f"    {seconds * 1e6 / messages:6.0f} µs/msg  {name}" for name, seconds in by_function.most_common(12)
    ]
    return lines


async def _run(chats: int, inline: bool) -> None:
    where = "in this process" if inline else "in a process of its own"
    print(
        f"paid broadcast: one P1 alert to {chats} private chats; the emulator ({where}) allows 1,000 paid "
        f"msg/s, 1/s per chat; SEND_RATE {PAID_SEND_RATE}, "
        f"SEND_CONCURRENCY {load_settings().send_concurrency}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if chats < 10_000:
        print(f"(size {chats}: use --chats 10000 for the issue's size)")
    batched = await _deliver(chats, MAX_BATCH, inline=inline)
    print(_line(f"batched marks (group commit, up to {MAX_BATCH} a write)", batched, chats), flush=True)
    over_httpx = await _deliver(chats, MAX_BATCH, inline=inline, httpx=True)
    print(_line("baseline: the same over PTB's HTTPXRequest (before aiohttp)", over_httpx, chats), flush=True)
    single = await _deliver(chats, 1, inline=inline)
    print(_line("baseline: one write per send (before batched marks)", single, chats), flush=True)
    every_once = batched.marked == batched.distinct_marked == batched.chats_with_one == chats
    projected = batched.seconds * 10_000 / chats
    print(
        f"aiohttp/httpx: time to last message {_ratio(batched.seconds, over_httpx.seconds)}, "
        f"bot CPU per message {_ratio(_per_message(batched), _per_message(over_httpx))}"
    )
    print(
        f"batched/one write per send: time to last message {_ratio(batched.seconds, single.seconds)}, "
        f"bot CPU per message {_ratio(_per_message(batched), _per_message(single))}; "
        f"writes {batched.writes} vs {single.writes}"
    )
    print(
        f"goal (10,000 chats in <= {TARGET_SECONDS:.0f} s, 0 x 429, every delivery recorded once): "
        f"{'10,000 measured' if chats >= 10_000 else f'{projected:.1f} s projected for 10,000'}: "
        f"{'met' if projected <= TARGET_SECONDS and batched.too_many == 0 and every_once else 'NOT met'} "
        f"(at the free 30 msg/s, 10,000 take at least {10_000 / 30:.0f} s)"
    )
    profile = cProfile.Profile(time.thread_time)
    profiled = await _deliver(chats, MAX_BATCH, inline=inline, profile=profile)
    print(
        f"where the bot's event loop CPU goes (batched marks, profiled run of {profiled.delivered} messages; "
        "cProfile slows everything several times: read the shares):"
    )
    for line in _where_cpu_goes(profile, max(profiled.delivered, 1)):
        print(line)


def main(argv: list[str] | None = None) -> None:
    """Run both sides and the profile (size: --chats, BENCH_PAID_CHATS; --inline-emulator)."""
    parser = argparse.ArgumentParser(prog="bench.paid", description=__doc__)
    default = int(os.environ.get("BENCH_PAID_CHATS", DEFAULT_CHATS))
    parser.add_argument("--chats", type=int, default=default)
    parser.add_argument(
        "--inline-emulator",
        action="store_true",
        help="run the emulator in the bot's process (its CPU then counts as the bot's)",
    )
    args, _unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    asyncio.run(_run(max(1, args.chats), args.inline_emulator))


if __name__ == "__main__":
    main()
