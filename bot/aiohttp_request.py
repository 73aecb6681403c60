"""python-telegram-bot's HTTP layer on aiohttp (telegram.request.BaseRequest, PTB's extension point).

PTB's own HTTPXRequest spends more CPU per Bot API call than everything else in a send together (httpx,
httpcore and h11 are pure Python, and httpcore looks at every pooled connection for each request); aiohttp
parses HTTP in C and keeps its pool in a dict, which roughly halves the bot's CPU per message in a paid
broadcast (bench/paid.py). PTB still turns status codes and Telegram's answers into its errors
(BaseRequest._request_wrapper); this class maps transport failures as HTTPXRequest does: timeouts to TimedOut,
everything else to NetworkError, with the token never in an error's text (the URL carries it).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.logs import RedactSecrets

_REDACT = RedactSecrets()
_JSON = {"Content-Type": "application/json"}


def _seconds(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """Bot API calls over one aiohttp session holding up to `connection_pool_size` keep-alive connections.

    Timeouts are PTB's four: `connect_timeout` for the TCP connect, `pool_timeout` for a free connection
    (aiohttp counts both in its connect timeout), `read_timeout` between bytes of the answer; aiohttp has no
    write timeout of its own, so `write_timeout` is added to the others as a ceiling on the whole call (a
    stalled upload ends then). None means no limit, as in PTB."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (in the running event loop, as aiohttp requires)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=False,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        with_files: bool,
    ) -> aiohttp.ClientTimeout:
        read_s = _seconds(read, self._read_timeout)
        write_s = _seconds(write, self._media_write_timeout if with_files else self._write_timeout)
        connect_s = _seconds(connect, self._connect_timeout)
        pool_s = _seconds(pool, self._pool_timeout)
        parts = (read_s, write_s, connect_s, pool_s)
        return aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if connect_s is None or pool_s is None else connect_s + pool_s,
            sock_connect=connect_s,
            sock_read=read_s,
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One call: the parameters as JSON, or as multipart form data when there are files."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        data: Any = None
        headers = None
        if files and request_data is not None:
            data = aiohttp.FormData(request_data.json_parameters)
            for name, (file_name, content, mime_type) in files.items():
                data.add_field(name, content, filename=file_name, content_type=mime_type)
        elif request_data is not None:
            # JSON costs less to encode than a form; the Bot API reads a string value in a JSON body as the
            # same field of a form (PTB gives nested objects as JSON strings)
            data, headers = request_data.json_payload, _JSON
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, bool(files))
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's timeouts are TimeoutErrors (a pool kept full too)
            raise TimedOut(_describe(err, url)) from err
        except (aiohttp.ClientError, OSError) as err:
            raise NetworkError(_describe(err, url)) from err


def _describe(err: BaseException, url: str) -> str:
    """The error's class and text without the URL (it carries the token) or anything shaped like a token."""
    return f"aiohttp.{type(err).__name__}: {_REDACT.redact(str(err).replace(url, '<Bot API URL>'))}"
