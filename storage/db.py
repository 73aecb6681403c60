"""The async engine and sessions. SQLite gets WAL and foreign keys; PostgreSQL works as it is.

A chat command's reads run under a time limit (`time_limit`): every transaction opened while it holds gives
each statement only what is left of it (PostgreSQL's statement_timeout, a SQLite progress handler), and a
statement cut off raises StatementTimeout. Such transactions hold at most half of the pool's connections at
once (`COMMAND_SHARE`): however many slow commands arrive together, polling, delivery and the heartbeat always
find a connection; a command that cannot get one before its time is up gets StatementTimeout too.

The server keeps those limits only while it runs: one that stops answering without closing its connections
(a hung host, a network partition, a SIGSTOPped server) would hold whatever waits on it as long as that lasts.
So borderwatch keeps limits of its own, on its side of the connection. On PostgreSQL, connecting, taking a
pooled connection and every round trip to the server end within ANSWER_SECONDS; a chat command's transactions
(`answer_within`, every update) each within the command's time; a time-limited read's within its deadline,
plus a moment for the server to say so itself first. Past them the connection is dropped at once and
DatabaseNotAnswering (a TimeoutError, so `is_unavailable`) is raised: the loops log one line and try again,
the user is told the command failed. A write cut off while its COMMIT was on the way may have been committed
after all: every write the loops repeat after such a failure is one that may be done twice (a lease taken
again, a sent alert marked sent again, an item stored once by its key).
"""

from __future__ import annotations

import asyncio
import contextvars
import errno
import logging
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file, so a fresh checkout can start at once."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


_BUSY_TIMEOUT_MS = 30000
# Prepared statements each SQLite connection keeps for reuse (Python's default: 128). A statement's compiled
# program lives in C memory, and ingest's multi-row INSERTs (one SQL text per row count, through indexes,
# FTS5 triggers and RETURNING) take around 100 kB each: at 128, the statement caches of the pool's
# connections grew to about 40 MB over a few polling rounds (bench/memory.py, sqlite3_db_status
# STMT_USED), most of the main process's growth. The few statements a poll repeats stay cached.
SQLITE_CACHED_STATEMENTS = 32


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, limit_round_trips: bool = True, **kwargs: Any) -> AsyncEngine:
    """An engine for any SQLAlchemy async URL (sqlite+aiosqlite or postgresql+asyncpg). On PostgreSQL each
    round trip ends within ANSWER_SECONDS unless `limit_round_trips` is false (migrations: one statement
    may rewrite a large table)."""
    ensure_sqlite_directory(url)
    if is_sqlite(url):
        connect_args = {"cached_statements": SQLITE_CACHED_STATEMENTS, **kwargs.get("connect_args", {})}
        kwargs["connect_args"] = connect_args
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_timeout", ANSWER_SECONDS)
    # asyncpg's own limits: on connecting (`timeout`) and, by default, on every round trip (`command_timeout`)
    asyncpg_args: dict[str, Any] = {
        "timeout": ANSWER_SECONDS,
        "command_timeout": ANSWER_SECONDS if limit_round_trips else None,
    }
    kwargs["connect_args"] = {**asyncpg_args, **kwargs.get("connect_args", {})}
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "invalidate", _drop_unanswered)
    if limit_round_trips:
        event.listen(engine.sync_engine, "connect", _forget_lost_clients)
    return engine


def _forget_lost_clients(dbapi_connection: Any, _record: Any) -> None:
    """FORGET_LOST_CLIENTS for the new connection's session, set after it opened (outside any transaction, so
    for the session's life), not asked in its startup packet: a pooler in front of the server (PgBouncer)
    refuses a startup parameter it does not know, and with it every connection."""
    settings = "; ".join(f"SET {name} = {value}" for name, value in FORGET_LOST_CLIENTS.items())
    await_only(dbapi_connection.driver_connection.execute(settings))


# The longest borderwatch waits for PostgreSQL to answer one round trip (connecting, a pooled connection's
# ping, a statement) outside chat commands. Far above what any of its statements takes (batched writes and
# deletes, indexed reads), far below the hours a hung server may last: past it the loops log the database
# as unavailable and try again, instead of waiting in silence.
ANSWER_SECONDS = 15.0


# The server's side of the same limits, set for each connection (migrations excepted: a long one may pause
# between statements). A client the network lost for good (a partition that outlasts its retransmissions:
# no FIN or RST ever reaches the server) would otherwise leave its session open until the server's TCP
# keepalive noticed, two hours by default; one lost inside a transaction holds that transaction's row locks
# as long, and whatever waits on them waits too (the marks of sent alerts: every send slot, so every chat's
# alerts; tests/reliability/test_network_partition.py). A session idle inside a transaction is ended after
# IDLE_IN_TRANSACTION_SECONDS, far above the longest pause borderwatch makes inside one (a poll's story
# placing on a worker thread, seconds at most); a silent peer's connection, idle or not, is probed after a
# minute and dropped 30 s of unanswered probes later.
IDLE_IN_TRANSACTION_SECONDS = 60
FORGET_LOST_CLIENTS = {
    "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_SECONDS * 1000),
    "tcp_keepalives_idle": "60",
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "3",
}


def _drop_unanswered(dbapi_connection: Any, _record: Any, error: BaseException | None) -> None:
    """A connection given up on because the server did not answer in time is closed on our side at once:
    SQLAlchemy would first ask the server to close it and wait two more seconds for an answer that will
    not come."""
    if isinstance(error, TimeoutError | asyncio.CancelledError):
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and hasattr(driver, "terminate"):
            driver.terminate()


# the share of the pool's connections that time-limited command reads may hold at once (see the docstring)
COMMAND_SHARE = 0.5


def pool_capacity(engine: AsyncEngine) -> int | None:
    """How many connections the engine's pool opens at most (None: no limit, as with NullPool)."""
    pool: Any = engine.pool
    size, overflow = getattr(pool, "_pool", None), getattr(pool, "_max_overflow", None)
    if size is None or overflow is None or overflow < 0:
        return None
    return int(pool.size()) + int(overflow)


class StatementTimeout(Exception):
    """A statement ran past the time limit of the chat command that asked for it (see `time_limit`)."""


class DatabaseNotAnswering(TimeoutError):
    """The database did not answer within a limit kept on borderwatch's side (see the module docstring):
    it is unavailable, not slow at the work asked of it."""


# the time.monotonic() by which the statements of the running chat command must end (None: no limit)
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("borderwatch_deadline", default=None)


@dataclass
class _AnswerLimit:
    """What `answer_within` set: seconds each transaction may wait for the database in all, and whether one
    already waited in vain (the next fail at once: a command's reply must not wait out each in turn)."""

    seconds: float
    missed: bool = False


_answer_limit: contextvars.ContextVar[_AnswerLimit | None] = contextvars.ContextVar(
    "borderwatch_answer_limit", default=None
)
# a time-limited read's statements are stopped by the server at the deadline; past this much more, the
# server is taken not to answer at all
_SERVER_SAYS_SO = 1.0
# SQLite calls the progress handler every this many virtual machine instructions (well under a millisecond)
_PROGRESS_STEPS = 1000
# PostgreSQL: query_canceled, the SQLSTATE of a statement stopped by statement_timeout
_QUERY_CANCELED = "57014"


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Within the block (in this task and the tasks it starts), database statements must end `seconds`
    from now; one that does not is stopped and raises StatementTimeout."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Within the block (in this task and the tasks it starts), each transaction must be done within
    `seconds` of its start, waiting for a connection included; when the database does not answer by then,
    DatabaseNotAnswering, and so at once for every later one in the block. Unlike `time_limit`, nothing is
    asked of the server: this is for a server that does not answer at all (PostgreSQL only)."""
    token = _answer_limit.set(_AnswerLimit(seconds))
    try:
        yield
    finally:
        _answer_limit.reset(token)


def _timed_out(error: DBAPIError) -> bool:
    original = error.orig
    if getattr(original, "sqlstate", None) == _QUERY_CANCELED:
        return True
    return "interrupted" in str(original) or "canceling statement due to statement timeout" in str(original)


class Database:
    """One engine and its session factory; the only door to the stored state."""

    def __init__(
        self, url: str, *, command_share: float | None = COMMAND_SHARE, **engine_kwargs: Any
    ) -> None:
        """`command_share`: the share of the pool's connections time-limited reads may hold (None: all)."""
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # close_by's time, whether a transaction went unanswered since, and the limits of the transactions
        # under way (to move them to it)
        self._close_by = math.inf
        self._unanswered_at_close = False
        self._limits: dict[object, asyncio.Timeout] = {}
        capacity = pool_capacity(self.engine)
        self._command_slots = (
            asyncio.Semaphore(max(1, int(capacity * command_share)))
            if capacity is not None and command_share is not None
            else None
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error. Under a
        `time_limit`, its statements are stopped at the deadline (StatementTimeout). On PostgreSQL, under
        `answer_within` or a `time_limit`, a server that does not answer in time raises
        DatabaseNotAnswering."""
        deadline = _deadline.get()
        answer = _answer_limit.get() if self.dialect == "postgresql" else None
        if deadline is None and answer is None and self.dialect != "postgresql":
            async with self.sessions() as session, session.begin():
                yield session
            return
        if answer is not None and answer.missed:
            raise DatabaseNotAnswering("the database did not answer in time")
        answer_by = time.monotonic() + answer.seconds if answer is not None else math.inf
        if deadline is None:
            async with self._answered_by(answer_by), self.sessions() as session, session.begin():
                yield session
            return
        if deadline <= time.monotonic():
            raise StatementTimeout("the command's time is up")
        if self.dialect == "postgresql":
            # the server stops the statements at the deadline and says so (StatementTimeout); only one
            # that does not answer even then is cut off on this side (the command's own time, however
            # long `answer_within` would allow)
            setup_by, work_by = deadline, deadline + _SERVER_SAYS_SO
        else:
            setup_by = work_by = math.inf
        async with (
            self._command_slot(deadline),
            self._answered_by(setup_by) as answered_by,
            self.sessions() as session,
            session.begin(),
        ):
            connection = await session.connection()
            left = deadline - time.monotonic()
            if left <= 0:
                raise StatementTimeout("the command's time is up")
            raw: Any = None
            if self.dialect == "postgresql":
                # SET cannot take a bound parameter; the number is ours
                await connection.execute(text(f"SET LOCAL statement_timeout = {max(1, int(left * 1000))}"))
            else:
                raw = (await connection.get_raw_connection()).driver_connection
                await raw.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
                # waiting for another connection's lock is no work the progress handler sees
                await connection.exec_driver_sql(f"PRAGMA busy_timeout={max(1, int(left * 1000))}")
            answered_by(work_by)
            try:
                yield session
                await session.flush()  # what is left to write, under the limit too
            except DBAPIError as error:
                if _timed_out(error) or (raw is not None and time.monotonic() >= deadline):
                    raise StatementTimeout(str(error.orig)) from error
                raise
            finally:
                if raw is not None:
                    await raw.set_progress_handler(None, 0)
                    await connection.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")

    def close_by(self, when: float) -> None:
        """Every transaction, those under way included, must end by `when` (time.monotonic()), or, begun
        later, within _CLOSING_ANSWER_SECONDS, else DatabaseNotAnswering (PostgreSQL only), and once one did
        not, the later ones are refused at once. For a stopping process: what it still has to write (a mark,
        its leases given back) is worth a few seconds, not ANSWER_SECONDS per step while the server does
        not answer; what is not written is done again as after a crash."""
        self._close_by = min(self._close_by, when)
        loop_at = self._close_by + asyncio.get_running_loop().time() - time.monotonic()
        for limit in self._limits.values():
            current = limit.when()
            # (an expired one is already ending its transaction, and may not be moved)
            if not limit.expired() and (current is None or current > loop_at):
                limit.reschedule(loop_at)

    @asynccontextmanager
    async def _answered_by(self, when: float) -> AsyncIterator[Callable[[float], None]]:
        """The block must end by `when` (time.monotonic(); inf: no limit), and as `close_by` says, else
        DatabaseNotAnswering. Yields a function that moves that time. What was waiting on the server is cut
        off: its connection is dropped (`_drop_unanswered`), never given back to the pool."""
        started = time.monotonic()
        offset = asyncio.get_running_loop().time() - started
        if self._unanswered_at_close:
            raise DatabaseNotAnswering("the database did not answer in time")

        def at(moment: float) -> float | None:
            # close_by's time counts from the stop, other waits (Telegram's answers) included: a server that
            # answers still gets a moment for a transaction begun past it
            closing = max(self._close_by, started + _CLOSING_ANSWER_SECONDS)
            moment = min(moment, closing)
            return None if math.isinf(moment) else moment + offset

        limit = asyncio.timeout_at(at(when))
        key = object()
        self._limits[key] = limit
        try:
            async with limit:
                yield lambda moment: limit.reschedule(at(moment))
        except TimeoutError as error:
            if limit.expired():
                # stopping: one that did not answer is not waited for again
                self._unanswered_at_close = not math.isinf(self._close_by)
                answer = _answer_limit.get()
                if answer is not None:
                    answer.missed = True
                raise DatabaseNotAnswering("the database did not answer in time") from error
            raise
        finally:
            del self._limits[key]

    @asynccontextmanager
    async def _command_slot(self, deadline: float) -> AsyncIterator[None]:
        """One of the connections time-limited reads may hold, waited for until `deadline` at most."""
        slots = self._command_slots
        if slots is None:
            yield
            return
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + deadline - time.monotonic()):
                await slots.acquire()
        except TimeoutError:
            raise StatementTimeout(
                "every connection commands may use was busy until the time was up"
            ) from None
        try:
            yield
        finally:
            slots.release()

    async def dispose(self) -> None:
        """Close the pool's connections. Once `close_by` was called, waiting for that only until its time
        (and a second more): asyncpg asks the server to end each connection and waits for it to, up to
        ANSWER_SECONDS each when the server does not answer; the rest are left to close with the process."""
        if math.isinf(self._close_by):
            await self.engine.dispose()
            return
        until = max(self._close_by, time.monotonic() + _DISPOSE_SECONDS)
        try:
            async with asyncio.timeout(until - time.monotonic()):
                await self.engine.dispose()
        except TimeoutError:
            await self.engine.dispose(close=False)


# what a stopping process's `Database.dispose` waits at least for its connections to close
_DISPOSE_SECONDS = 1.0
# what a transaction of a stopping process is given to be answered in once close_by's time has passed
_CLOSING_ANSWER_SECONDS = 1.0


def is_database_error(error: BaseException) -> bool:
    """Whether `error` came from the database or its connection (passing: try again later) rather than
    from the data (which trying again will not fix)."""
    return isinstance(error, SQLAlchemyError | OSError)


# PostgreSQL SQLSTATEs of a server that is unreachable, restarting, full or busy: 08… connection exceptions,
# 57P01–57P03 shutdown and start-up, 53300 too many connections, 53100 disk full, 40001/40P01 serialization
# failure, deadlock, 25P03 the session ended for idling inside a transaction (IDLE_IN_TRANSACTION_SECONDS)
_DISK_FULL_STATE = "53100"
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300", _DISK_FULL_STATE, "40001", "40P01", "25P03")
# another connection holds the lock, with the extended codes (SQLITE_BUSY_SNAPSHOT: a transaction that read
# must write after another connection wrote)
_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")
# the disk under the database file is full; SQLITE_IOERR_… (a write or sync the disk refused, such as a file
# past RLIMIT_FSIZE) says the same of the disk, not of the data
_SQLITE_FULL = "SQLITE_FULL"
_SQLITE_DISK = "SQLITE_IOERR"


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be used just now (down, restarting, its connections used
    up, another process holding SQLite's write lock, its disk full) rather than refusing the data: the same
    work done again once it answers (once space is freed) will do. An OSError that names a file (a config
    file gone, a folder not writable) is that file's problem, not the database's: the driver's connection
    errors (refused, reset, no answer) name none."""
    if isinstance(error, OSError):
        return error.filename is None
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, OSError):
        return True
    state = str(getattr(original, "sqlstate", "") or "")
    if state and (state[:2] == "08" or state in _UNAVAILABLE_STATES):
        return True
    name = str(getattr(original, "sqlite_errorname", "") or "")
    return is_write_locked(error) or is_disk_full(error) or name.startswith(_SQLITE_DISK)


def _driver_error(error: BaseException) -> BaseException:
    """The driver's own error under SQLAlchemy's wrapper (the error itself when there is none)."""
    return error.orig if isinstance(error, DBAPIError) and error.orig is not None else error


def is_write_locked(error: BaseException) -> bool:
    """Whether `error` says another connection held SQLite's lock (all of the busy timeout, or it wrote after
    this transaction read): the database takes writes, this one must wait its turn."""
    name = str(getattr(_driver_error(error), "sqlite_errorname", "") or "")
    return any(name == code or name.startswith(code + "_") for code in _SQLITE_BUSY)


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` says the disk under the database is full: nothing could be written (reads still
    work), until space is freed."""
    original = _driver_error(error)
    if isinstance(original, OSError) and original.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return (
        getattr(original, "sqlite_errorname", None) == _SQLITE_FULL
        or getattr(original, "sqlstate", None) == _DISK_FULL_STATE
    )


def error_line(error: BaseException) -> str:
    """The error in one short line: the driver's own words, without the SQL and parameters SQLAlchemy adds."""
    cause = _driver_error(error)
    reason = (str(cause).strip().splitlines() or [""])[0][:200]
    if not reason and isinstance(cause, TimeoutError):  # asyncpg's own limit says nothing more
        reason = "no answer in time"
    return f"{type(cause).__name__}: {reason}".rstrip(": ")


# A loop meets an unavailable database at every round, several times a second (the scheduler's claim every
# quarter second), for as long as it lasts (a full disk: hours). After the first line, the same line (logger,
# message, arguments and the error's own words) is logged at most once per this many seconds, saying how many
# were left out; an error of other words (the disk full after the database was locked) is logged at once, and
# so is the first line of the next outage once the database answered again, unless that many outages were
# already logged within the gap (a database that flaps every second would otherwise log two lines a second).
UNAVAILABLE_LOG_GAP = 30.0
OUTAGES_LOGGED_PER_GAP = 2
# lines remembered for that; past it, those last logged longer ago than the gap are forgotten
_REMEMBERED_LINES = 1024


class _RepeatedLines:
    """Which unavailable-database lines were logged in the current outage: when each was last logged (on
    `clock`) and how many times it was left out since; and, since the first line logged after the database
    last answered, when that was and how many failures there were (`answered`). The event loop's tasks cannot
    interleave inside a step (none awaits), threads can (work handed to `asyncio.to_thread` that logs): one
    lock around each step, so that an outage begins and ends once whoever logs it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._logged: dict[tuple[str, ...], tuple[float, int]] = {}
        self._outage_since: float | None = None
        self._failures = 0
        self._outage_starts: deque[float] = deque()  # when the outages logged within the last gap began

    def answered(self) -> tuple[float, int] | None:
        """The database answered: how long it was unavailable and how many failures that made, when an outage
        was logged since it last answered (None otherwise, and from now on until the next one is). The lines
        of that outage are forgotten, so that the next outage's first line is logged at once, however soon,
        unless OUTAGES_LOGGED_PER_GAP outages began within the gap: then they are kept, and the next outages'
        lines wait out the gap as the lines of one outage do."""
        with self._lock:
            if self._outage_since is None:
                return None
            now = self._clock()
            ended = (now - self._outage_since, self._failures)
            self._outage_since, self._failures = None, 0
            while self._outage_starts and now - self._outage_starts[0] >= UNAVAILABLE_LOG_GAP:
                self._outage_starts.popleft()
            if len(self._outage_starts) < OUTAGES_LOGGED_PER_GAP:
                self._logged.clear()
            return ended

    def left_out_since_last(self, key: tuple[str, ...]) -> int | None:
        """None when the line `key` is to be left out now (logged less than UNAVAILABLE_LOG_GAP ago in this
        outage), else how many times it was left out since it was last logged (0 the first time)."""
        with self._lock:
            now = self._clock()
            if self._outage_since is not None:
                self._failures += 1
            last = self._logged.get(key)
            if last is not None and now - last[0] < UNAVAILABLE_LOG_GAP:
                self._logged[key] = (last[0], last[1] + 1)
                return None
            if self._outage_since is None:
                self._outage_since, self._failures = now, 1  # only a line logged opens an outage
                self._outage_starts.append(now)
            if len(self._logged) >= _REMEMBERED_LINES:
                for old, (at, _) in list(self._logged.items()):
                    if now - at >= UNAVAILABLE_LOG_GAP:
                        del self._logged[old]
            self._logged[key] = (now, 0)
            return last[1] if last is not None else 0


_unavailable_lines = _RepeatedLines()


def log_failure(logger: logging.Logger, message: str, error: BaseException, *args: object) -> None:
    """Log a background step that failed: with its traceback when it is a bug, as one line when the
    database was unavailable (down, restarting, locked, its disk full), which every loop meets at every
    round while it lasts and a traceback explains nothing of; that same line at most once per
    UNAVAILABLE_LOG_GAP."""
    if not is_unavailable(error):
        logger.error(message, *args, exc_info=error)
        return
    reason = error_line(error)
    left_out = _unavailable_lines.left_out_since_last(
        (logger.name, message, reason, *(str(arg) for arg in args))
    )
    if left_out is None:
        return
    if left_out:
        logger.warning(
            message + ": the database is unavailable (%s); %d more times since the last such line",
            *args,
            reason,
            left_out,
        )
    else:
        logger.warning(message + ": the database is unavailable (%s)", *args, reason)


def log_recovery(logger: logging.Logger) -> None:
    """Say, once, that the database answers again when `log_failure` logged it unavailable since it last did,
    with how long that lasted: without it the log shows when an outage began, never when it ended. Called
    where a write succeeded (the liveness beat, every second): reads may work while writes do not."""
    ended = _unavailable_lines.answered()
    if ended is not None:
        seconds, failures = ended
        logger.warning(
            "the database answers again, %.0f s after it was first logged unavailable (%d failed attempts)",
            seconds,
            failures,
        )


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT of the session's dialect, so that it has on_conflict_do_nothing (PostgreSQL or SQLite)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
