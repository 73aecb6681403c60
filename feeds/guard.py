"""The URL guard: feed requests go only to public http/https addresses, checked where the socket connects.

Two layers. `check_url` refuses a bad scheme or an IP-literal host (in any spelling: dotted, decimal, octal,
hex, IPv6, IPv4-mapped) before a request is made; it runs on the feed URL and on every redirect hop.
`AddressGuard` resolves the hostname itself when the fetcher opens a connection (feeds.http11) and refuses it
when any resolved address is not public; the connection goes to an address it just checked, so a DNS answer
that changes between the check and the connect (rebinding) cannot reach a private address. TLS SNI and the
Host header still carry the hostname.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from feeds.errors import BlockedURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class BlockedURLError(BlockedURL):
    """A feed URL (or a redirect target) points somewhere borderwatch refuses to fetch."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, f"refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be fetched: public ones only, unless private ones are allowed.

    `trusted` networks are allowed even when private addresses are not; tests use it to reach one loopback
    server while proving that everything else on loopback stays refused.
    """

    allow_private: bool = False
    trusted: tuple[IPNetwork, ...] = field(default_factory=tuple)

    def refusal(self, address: IPAddress) -> str | None:
        """Why `address` must not be contacted, or None when it may be."""
        if self.allow_private or any(
            address in net for net in self.trusted if net.version == address.version
        ):
            return None
        return address_refusal(address)


def address_refusal(address: IPAddress) -> str | None:
    """Why a public feed fetcher must not contact `address` (loopback, private, …); None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"{address} is an IPv4-mapped IPv6 address"
        embedded = address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and address_refusal(embedded) is not None:
            return f"{address} embeds the non-public address {embedded}"
    checks = (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    )
    for attribute, name in checks:
        if getattr(address, attribute):
            return f"{address} is a {name} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host denotes when it is an IP literal in any spelling the C resolver accepts.

    Besides dotted quads and IPv6 this covers the legacy inet_aton forms `2130706433`, `0x7f.1`, `0177.0.0.1`.
    """
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    labels = host.split(".")
    if 1 <= len(labels) <= 4 and all(_NUMERIC_LABEL.match(label) for label in labels):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url(url: str, policy: AddressPolicy) -> None:
    """Refuse (BlockedURLError) a URL that is not http/https, has no host, or names a refused IP literal.

    Hostnames are checked again, on their resolved addresses, when the connection is opened.
    """
    reason = _url_refusal(url, policy)
    if reason is not None:
        raise BlockedURLError(url, reason)


@functools.lru_cache(maxsize=8192)  # feed URLs repeat on every poll
def _url_refusal(url: str, policy: AddressPolicy) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _port = parts.port  # raises ValueError beyond 0-65535
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"scheme {parts.scheme or 'none'!r} is not http or https"
    if not host:
        return "no host name"
    address = parse_ip_literal(host)
    if address is None and not _is_internet_name(host):
        return f"host name {host[:80]!r} is not a valid internet name"
    return policy.refusal(address) if address is not None else None


def _is_internet_name(host: str) -> bool:
    """Whether `host` can be looked up at all: IDNA-encodable, no empty or over-long label."""
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


BlockingLookup = Callable[[str, int], list[str]]


def getaddrinfo_addresses(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port (TCP), in its order; blocks while it looks."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class LookupTimeout(OSError):
    """A DNS lookup gave no answer within its deadline (its thread may still be waiting for one)."""


class ThreadedResolver:
    """A Resolver that runs a blocking lookup (getaddrinfo) on threads of its own, so that lookups whose DNS
    server never answers keep no one else waiting.

    A thread stuck in getaddrinfo cannot be stopped; what this bounds is who waits for one. Each lookup has
    a deadline (`seconds`): past it the caller gets LookupTimeout (an OSError, so the fetch fails as
    "cannot resolve") while the thread goes on. Lookups of one host name share one thread: a name still
    being looked up is not looked up again, however many feeds or ports name it. Names are looked up on one
    of three sets of threads by how their last lookup went: answered in time (`known_threads`), failed or
    ran out of time (`failing_threads`: names that hang hold at most these, together), or never looked up
    (`threads`). So a feed whose name resolves keeps resolving at once however many others hang, and a new
    name waits behind a hanging one at most once per hanging name.
    """

    _REMEMBERED_NAMES = 100_000

    def __init__(
        self,
        lookup: BlockingLookup = getaddrinfo_addresses,
        *,
        threads: int = 8,
        known_threads: int = 8,
        failing_threads: int = 4,
        seconds: float = 5.0,
        name: str = "lookup",
    ) -> None:
        self._lookup = lookup
        self._seconds = seconds
        self._new = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"{name}-new")
        self._known = ThreadPoolExecutor(max_workers=known_threads, thread_name_prefix=f"{name}-known")
        self._failing = ThreadPoolExecutor(max_workers=failing_threads, thread_name_prefix=f"{name}-failing")
        # guards the two below: lookups finish on worker threads
        self._lock = threading.RLock()
        self._running: dict[str, Future[list[str]]] = {}
        self._answered: collections.OrderedDict[str, bool] = collections.OrderedDict()  # name → in time

    async def __call__(self, host: str, port: int) -> list[str]:
        """The addresses of `host`; LookupTimeout when they do not come within the deadline."""
        name = host.lower()
        with self._lock:
            running = self._running.get(name)
            if running is None:
                answered = self._answered.get(name)
                threads = self._new if answered is None else self._known if answered else self._failing
                running = threads.submit(self._look_up, name, port)
                self._running[name] = running
                running.add_done_callback(functools.partial(self._finished, name))
        try:
            async with asyncio.timeout(self._seconds):
                return await _result(running)
        except TimeoutError:
            self._remember(name, in_time=False)
            raise LookupTimeout(f"the DNS lookup gave no answer within {self._seconds:g} s") from None

    def _look_up(self, name: str, port: int) -> list[str]:
        started = time.monotonic()
        in_time = False
        try:
            addresses = self._lookup(name, port)
            in_time = time.monotonic() - started <= self._seconds
            return addresses
        finally:
            self._remember(name, in_time=in_time)

    def _remember(self, name: str, *, in_time: bool) -> None:
        with self._lock:
            self._answered[name] = in_time
            self._answered.move_to_end(name)
            if len(self._answered) > self._REMEMBERED_NAMES:
                self._answered.popitem(last=False)

    def _finished(self, name: str, lookup: Future[list[str]]) -> None:
        with self._lock:
            if self._running.get(name) is lookup:
                del self._running[name]


async def _result(lookup: Future[list[str]]) -> list[str]:
    """Wait for a lookup shared with other callers (maybe of other event loops); giving up cancels nothing."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[list[str]] = loop.create_future()

    def settle() -> None:
        if waiter.done():
            return
        error = lookup.exception()
        if error is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(lookup.result())

    def wake(_lookup: Future[list[str]]) -> None:
        with contextlib.suppress(RuntimeError):  # that caller's event loop is closed: no one waits
            loop.call_soon_threadsafe(settle)

    lookup.add_done_callback(wake)
    return await waiter


_LOOKUP_SECONDS = 3.0
_LOOKUPS_AT_ONCE = 8
# all the lookups of one list: names not looked up by then are not checked here (a list of thousands of
# names whose DNS hangs would otherwise keep the admin's import waiting for hours)
_LIST_LOOKUP_SECONDS = 60.0
# a fetch's lookup: a name not resolved by then fails that fetch (the feed backs off as for any failure)
FETCH_LOOKUP_SECONDS = 5.0


@functools.cache
def list_resolver() -> ThreadedResolver:
    """The resolver of imported feed lists: threads apart from the fetcher's, so a long list of names whose
    DNS hangs never takes the threads a feed's lookup before a fetch needs."""
    return ThreadedResolver(
        threads=_LOOKUPS_AT_ONCE,
        known_threads=2,
        failing_threads=2,
        seconds=_LOOKUP_SECONDS,
        name="list-lookup",
    )


@functools.cache
def fetch_resolver() -> ThreadedResolver:
    """The resolver of the fetcher (one per process, shared by every Fetcher: a hung lookup outlives the
    Fetcher that started it)."""
    return ThreadedResolver(seconds=FETCH_LOOKUP_SECONDS, name="feed-lookup")


async def refused_urls(
    urls: Iterable[str],
    policy: AddressPolicy,
    resolver: Resolver | None = None,
    *,
    lookup_seconds: float = _LOOKUP_SECONDS,
    total_seconds: float = _LIST_LOOKUP_SECONDS,
) -> dict[str, str]:
    """The feed URLs the fetcher would refuse, each with why, found without fetching (for feed lists that are
    imported rather than added one by one): a bad scheme, a refused IP literal in any spelling, or a host
    name that resolves to a refused address. A name that does not resolve (within `lookup_seconds`, nor
    within `total_seconds` of the start for the whole list) is not refused here; the fetcher checks it
    again on every poll. Names are looked up on threads of their own (`list_resolver`), never the ones the
    fetcher's lookups use."""
    guard = AddressGuard(policy, resolver or list_resolver())
    slots = asyncio.Semaphore(_LOOKUPS_AT_ONCE)
    loop = asyncio.get_running_loop()
    end = loop.time() + total_seconds

    async def refusal(url: str) -> str | None:
        reason = _url_refusal(url, policy)
        if reason is not None or policy.allow_private:
            return reason
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parse_ip_literal(host) is not None:
            return None  # checked above
        try:
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
            async with slots:
                left = end - loop.time()
                if left <= 0:
                    return None
                async with asyncio.timeout(min(lookup_seconds, left)):
                    await guard.addresses(host, port)
        except BlockedURLError as exc:
            return exc.reason
        except (OSError, TimeoutError, ValueError, UnicodeError):
            return None
        return None

    unique = list(dict.fromkeys(urls))
    reasons = await asyncio.gather(*(refusal(url) for url in unique))
    return {url: reason for url, reason in zip(unique, reasons, strict=True) if reason is not None}


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port (TCP), in its order, looked up on the threads of
    `fetch_resolver` within FETCH_LOOKUP_SECONDS (LookupTimeout after that)."""
    return await fetch_resolver()(host, port)


class AddressGuard:
    """Resolves a host name and refuses it when any address it resolves to may not be contacted."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver | None = None) -> None:
        self._policy = policy
        self._resolver = resolver or system_resolver

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Every address of `host`, all checked; raises BlockedURLError, or OSError when it cannot resolve."""
        literal = parse_ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in await self._resolver(host, port)]
        for address in addresses:
            reason = self._policy.refusal(address)
            if reason is not None:
                raise BlockedURLError(
                    f"//{host}:{port}", f"{host} resolves to {address} ({reason.split(' is ', 1)[-1]})"
                )
        return addresses
