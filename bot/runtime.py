"""`borderwatch run`: migrations, seed data, then ingestion, the bot and delivery until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from contextlib import AsyncExitStack
from typing import Any

from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot import metrics
from bot.app import ALLOWED_UPDATES, build_application
from bot.context import BotApplication, BotContext
from bot.deliver import ConsoleSender, DeliveryLoop
from bot.digest import DigestJob
from bot.health import follow_writes, start_health_server
from bot.logs import RedactSecrets
from bot.menu import publish_menus
from bot.pruning import PruneJob
from bot.web import start_public_outputs
from feeds.feed_commands import seed_feeds_if_empty
from feeds.gazetteer import load_gazetteer, reload_if_changed
from feeds.ingest import Classify, PollResult
from feeds.liveness import ProcessLiveness
from feeds.model import Classification
from feeds.service import IngestService
from storage import chats
from storage.db import Database, log_failure
from storage.errors import BorderwatchError, ConfigError
from storage.instances import Released
from storage.migrate import upgrade
from storage.models import ALL_ENTITIES
from storage.settings import Settings

logger = logging.getLogger(__name__)

ROLES = ("all", "ingest", "bot")
CONSOLE_NOTICE = (
    "borderwatch: no BORDERWATCH_TELEGRAM_TOKEN set: console mode, alerts are printed here instead of sent"
)
# the console's chat in console mode: subscribed to every entity, since nobody can /subscribe without Telegram
# (no Telegram chat has id 0); a run with a token takes its subscriptions away again
CONSOLE_CHAT_ID = 0


# What stopping may wait for the database in all (marks of sent alerts, leases given back, polls storing): a
# server that does not answer (a partition) would otherwise hold each step for ANSWER_SECONDS, over 30 s in
# all, past an orchestrator's grace period. What is not written by then is done again as after a crash.
STOP_DATABASE_SECONDS = 5.0


async def run(settings: Settings, role: str = "all", *, stop: asyncio.Event | None = None) -> int:
    """Run `role` ("all", "ingest" or "bot") until SIGTERM/SIGINT (or `stop` is set); returns the exit code.

    Applies migrations, seeds feeds (when none) and the gazetteer, then starts the ingest service
    (all/ingest) and the Telegram Application with the delivery loop and the public outputs (all/bot).
    Without a token the bot side runs in console mode: alerts are printed to stdout, and it says so on start.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    await upgrade(settings.database_url)
    stop = stop or asyncio.Event()
    db = Database(settings.database_url)
    ctx = BotContext(db=db, settings=settings)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(db.dispose)
        _install_signal_handlers(stop, stack)
        await _seed(ctx)
        # registered first, stopped last: whatever this process still holds then is given back
        liveness = ProcessLiveness(db, role)
        follow_writes(liveness)
        await liveness.start()
        stack.push_async_callback(liveness.stop)
        _start_following_gazetteer(ctx, stack)
        _start_pruning(ctx, stack)
        health = await start_health_server(db, settings)
        stack.push_async_callback(health.close)
        delivery = None
        if role in ("all", "bot"):
            outputs = await start_public_outputs(db, settings)
            stack.push_async_callback(outputs.close)
            delivery = await _start_bot(ctx, stack, liveness)
        if role in ("all", "ingest"):
            await _start_ingest(ctx, stack, delivery, liveness)
        logger.info("borderwatch running (role %s)", role)
        await stop.wait()
        logger.info("shutting down")
        db.close_by(time.monotonic() + STOP_DATABASE_SECONDS)
    return 0


def _install_signal_handlers(stop: asyncio.Event, stack: AsyncExitStack) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            stack.callback(loop.remove_signal_handler, sig)


async def _seed(ctx: BotContext) -> None:
    """Feeds into an empty database, then the gazetteer (YAML seeded into the database, plus chat changes)."""
    added = await seed_feeds_if_empty(ctx.db, ctx.settings)
    if added:
        logger.info("seeded %d feeds from %s", added, ctx.settings.feeds)
    ctx.gazetteer = await load_gazetteer(ctx.db, ctx.settings)


GAZETTEER_CHECK_SECONDS = 2.0


async def refresh_gazetteer(ctx: BotContext) -> bool:
    """Rebuild the gazetteer when another process changed it (/track, /alias, /untrack there); True when it
    was rebuilt."""
    async with ctx.entity_lock:
        fresh = await reload_if_changed(ctx.db, ctx.entities)
        if fresh is None:
            return False
        ctx.gazetteer = fresh
    logger.info("gazetteer changed elsewhere: %d entities in force", len(fresh.entities))
    return True


def _start_following_gazetteer(ctx: BotContext, stack: AsyncExitStack) -> None:
    """Look every GAZETTEER_CHECK_SECONDS whether the stored gazetteer changed (one small read), so entity
    changes made in any process tag the next item in every process."""

    async def follow() -> None:
        while True:
            await asyncio.sleep(GAZETTEER_CHECK_SECONDS)
            try:
                await refresh_gazetteer(ctx)
            except Exception as exc:
                log_failure(logger, "could not check the gazetteer for changes; trying again", exc)

    task = asyncio.create_task(follow(), name="gazetteer-follower")

    async def cancel() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(cancel)


def _start_pruning(ctx: BotContext, stack: AsyncExitStack) -> None:
    """Prune old fetch_log rows and finished alerts every hour (bot.pruning), in every role."""
    job = PruneJob(ctx.db, ctx.settings, clock=ctx.clock)
    job.start()
    stack.push_async_callback(job.stop)


def live_classifier(ctx: BotContext) -> Classify:
    """Classify with whatever gazetteer is in force, so /track and /alias tag the very next item."""

    def classify(title: str, summary: str, language: str | None) -> Classification:
        return ctx.entities.classifier.classify(title, summary, language)

    return classify


async def _start_ingest(
    ctx: BotContext, stack: AsyncExitStack, delivery: DeliveryLoop | None, liveness: ProcessLiveness
) -> None:
    def on_result(result: PollResult) -> None:
        metrics.record_poll_result(result)
        if delivery is not None and result.new_items:
            delivery.wake()

    service = IngestService(
        ctx.db,
        ctx.settings,
        live_classifier(ctx),
        on_result=on_result,
        on_tick=lambda: metrics.heartbeat("scheduler"),
        liveness=liveness,
    )
    await service.start()
    stack.push_async_callback(service.stop)


def _start_digests(job: DigestJob, stack: AsyncExitStack) -> None:
    job.start()
    stack.push_async_callback(job.stop)


def _start_delivery(delivery: DeliveryLoop, stack: AsyncExitStack, liveness: ProcessLiveness) -> None:
    """Start the delivery loop, woken whenever the alerts of a dead process are given back."""

    def released(freed: Released) -> None:
        if freed.deliveries or freed.updates:
            delivery.wake()

    liveness.on_release(released)
    delivery.start()
    stack.push_async_callback(delivery.stop)


async def _start_bot(ctx: BotContext, stack: AsyncExitStack, liveness: ProcessLiveness) -> DeliveryLoop:
    if ctx.settings.token is None:
        print(CONSOLE_NOTICE, file=sys.stdout, flush=True)
        await chats.add_subscriptions(ctx.db, CONSOLE_CHAT_ID, "private", [ALL_ENTITIES], title="console")
        delivery = DeliveryLoop(ctx, sender=ConsoleSender(), liveness=liveness)
        _start_delivery(delivery, stack, liveness)
        stack.push_async_callback(delivery.stop)
        _start_digests(DigestJob(ctx, sender=ConsoleSender()), stack)
        return delivery
    await chats.remove_subscriptions(ctx.db, CONSOLE_CHAT_ID, None)
    application = build_application(ctx)
    await _initialize(application, ctx.settings.token)
    stack.callback(_close_chart_drawer, ctx)
    stack.push_async_callback(application.shutdown)
    await publish_menus(application.bot, ctx.db, ctx.settings.admin_ids)
    await application.start()
    stack.push_async_callback(application.stop)
    assert application.updater is not None
    mode = await _receive_updates(application, ctx.settings)
    stack.push_async_callback(application.updater.stop)
    delivery = DeliveryLoop(ctx, application.bot, liveness=liveness)
    _start_delivery(delivery, stack, liveness)
    _start_digests(DigestJob(ctx, application.bot), stack)
    me = application.bot.username
    logger.info("bot @%s is %s and delivering alerts", me, mode)
    return delivery


async def _initialize(application: BotApplication, token: str) -> None:
    """Initialise the Application (its first Bot API call, getMe); a refused token or an unreachable Bot API
    is one line naming the setting to check."""
    try:
        await application.initialize()
    except (InvalidToken, NetworkError) as exc:  # TimedOut is a NetworkError
        # a failed getMe leaves the Bot uninitialised, so its shutdown would not close the HTTP sessions
        for request in application.bot._request:
            await request.shutdown()
        if isinstance(exc, InvalidToken):
            raise ConfigError("BORDERWATCH_TELEGRAM_TOKEN: the Bot API refuses this token") from None
        problem = RedactSecrets((token,)).redact(str(exc))
        where = "cannot reach the Bot API (BORDERWATCH_TELEGRAM_API_URL)"
        raise BorderwatchError(f"{where}: {problem}") from None


def _close_chart_drawer(ctx: BotContext) -> None:
    if ctx.chart_drawer is not None:
        ctx.chart_drawer.close()


async def _receive_updates(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> str:
    """Long polling, or (BORDERWATCH_WEBHOOK_URL set) python-telegram-bot's webhook server, which registers
    the URL and secret with setWebhook and refuses every request without the secret; says which."""
    updater = application.updater
    assert updater is not None
    if settings.webhook_url is None:
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        return "polling for updates"
    assert settings.webhook_secret is not None  # Settings refuses a webhook URL without a secret
    host, port = settings.webhook_address
    await updater.start_webhook(
        listen=host,
        port=port,
        url_path=settings.webhook_path,
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
    )
    return f"taking updates by webhook on {host}:{port}/{settings.webhook_path}"
