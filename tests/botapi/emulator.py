"""A Telegram Bot API emulator over real HTTP on 127.0.0.1, for tests, the demo and benchmarks.

It answers `/bot<token>/<method>` with the JSON shapes python-telegram-bot parses, validates HTML like
Telegram, enforces Telegram's flood limits with 429 + retry_after, and has a control API (plain Python
methods) to play users, inject faults and read what the bot sent.

Flood limits: messages sent without allow_paid_broadcast at most `overall_per_second` (30) in any second;
every message, paid or not, at most `paid_per_second` (1,000) in any second; in each chat 1/s (bursts of
`private_burst`) and 20 per minute in a group, paid or not.

    async with BotApiEmulator() as telegram:
        settings = load_settings(telegram_token=telegram.token, telegram_api_url=telegram.base_url, ...)
        telegram.inject_command(chat_id=42, user_id=42, text="/start")
        await telegram.wait_for_messages(42, 1)
        assert "borderwatch" in telegram.texts(42)[0]
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import itertools
import json
import math
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.botapi.telegram_html import EntityParseError, parse_html, utf16_length

MAX_TEXT = 4096
# seconds a bot has to answer a button press (Telegram does not document it; reports put it at 10-15 s)
CALLBACK_ANSWER_SECONDS = 15.0
EXPIRED_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# update kinds Telegram sends only to a bot that names them in allowed_updates
NOT_SENT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_CAPTION = 1024
SEND_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendvideo", "sendaudio", "sendanimation", "copymessage"}
)


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class SentMessage:
    """One message the bot sent (or edited) in a chat, as the user sees it."""

    message_id: int
    chat_id: int
    text: str  # plain text after entity parsing (caption for documents and photos)
    html: str | None  # what the bot sent, before parsing (None without parse_mode)
    entities: list[dict[str, Any]]
    thread_id: int | None
    reply_markup: dict[str, Any] | None
    date: int
    kind: str = "text"  # text | document | photo
    document: bytes | None = None
    file_name: str | None = None
    edits: int = 0
    deleted: bool = False
    at: float = 0.0  # the emulator's monotonic clock when the message was accepted
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def links(self) -> list[str]:
        """The URLs of the text links in the message."""
        return [e["url"] for e in self.entities if e["type"] == "text_link"]

    def entity_texts(self, kind: str) -> list[str]:
        """The texts covered by entities of `kind` (bold, text_link, …), offsets in UTF-16 like Telegram."""
        units = self.text.encode("utf-16-le")
        return [
            units[e["offset"] * 2 : (e["offset"] + e["length"]) * 2].decode("utf-16-le")
            for e in self.entities
            if e["type"] == kind
        ]

    def button_rows(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard rows, or [] when there is none."""
        if not self.reply_markup:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows


@dataclass
class Fault:
    """An injected failure for the next `count` matching calls."""

    kind: str  # "5xx" | "429" | "drop" | "timeout" | "delay"
    count: int
    methods: frozenset[str] | None  # lower-case method names; None: every method but getUpdates
    retry_after: int = 1
    status: int = 500
    delay: float = 0.0

    def matches(self, method: str) -> bool:
        if self.count <= 0:
            return False
        if self.methods is None:
            return method != "getupdates"
        return method in self.methods


class _SlidingWindow:
    """At most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.period:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.period - now

    def record(self, now: float) -> None:
        self.events.append(now)


class _TokenBucket:
    """A sustained `rate` per second with bursts up to `burst`."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def record(self, now: float) -> None:
        self.tokens -= 1


class BotApiEmulator:
    """A fake Telegram for one bot: HTTP server on loopback plus a control API for tests."""

    def __init__(
        self,
        token: str = "123456789:TEST-emulated-token",
        *,
        username: str = "borderwatch_bot",
        enforce_limits: bool = True,
        overall_per_second: int = 30,
        paid_per_second: int = 1000,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Borderwatch",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.enforce_limits = enforce_limits
        self._monotonic = monotonic
        self._overall = _SlidingWindow(overall_per_second, 1.0)  # messages without allow_paid_broadcast
        self._paid = _SlidingWindow(paid_per_second, 1.0)  # every message
        self._private_rate = private_per_second
        self._private_burst = private_burst
        self._group_per_minute = group_per_minute
        # per chat: 1 message/s (bursts of `private_burst`) everywhere, and `group_per_minute` in groups
        self._chat_limits: dict[int, list[_TokenBucket | _SlidingWindow]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.admins: dict[int, set[int]] = {}
        self._creators: dict[int, int | None] = {}
        self.blocked: set[int] = set()
        self.kicked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.deleted_topics: dict[int, set[int]] = {}  # forum chat → its deleted topics' thread ids
        # forum chat → its closed topics' thread ids (None: the General topic)
        self.closed_topics: dict[int, set[int | None]] = {}
        self.restricted: set[int] = set()  # chats where the bot may not send messages
        # command menus by (scope, language code), as setMyCommands stored them; "" is no language code
        self.commands: dict[tuple[tuple[Any, ...], str], list[dict[str, Any]]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        # {"url", "secret_token"} as given to setWebhook; None while the bot long-polls
        self.webhook: dict[str, Any] | None = None
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.stats: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self._messages: dict[int, list[SentMessage]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._file_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        # kinds the bot asked for (allowed_updates of getUpdates, setWebhook); None: Telegram's default
        self.allowed_updates: frozenset[str] | None = None
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._pressed_at: dict[str, float] = {}  # unanswered button presses: id → when
        self._changed = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self.port = 0

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        self._changed = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the server and every open connection (long polls end at once)."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._connections):
            writer.close()
        self._changed.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)
        self._server = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The value for Settings.telegram_api_url (the token is appended by python-telegram-bot)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- control API: the world

    def add_user(
        self,
        user_id: int,
        first_name: str = "User",
        *,
        username: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """A Telegram user; also creates their private chat with the bot."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        if username:
            user["username"] = username
        self.users[user_id] = user
        if user_id not in self.chats:
            chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
            if username:
                chat["username"] = username
            self.chats[user_id] = chat
        return user

    def add_chat(
        self, chat_id: int, chat_type: str = "private", *, title: str | None = None, is_forum: bool = False
    ) -> dict[str, Any]:
        """A chat the bot is in: private (chat_id is the user id), group, supergroup (is_forum) or channel."""
        if chat_type == "private":
            if chat_id not in self.chats:
                self.add_user(chat_id)
            return self.chats[chat_id]
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type, "title": title or f"Chat {chat_id}"}
        if chat_type == "supergroup" and is_forum:
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    def set_chat_admins(self, chat_id: int, user_ids: Iterable[int]) -> None:
        """Who getChatMember / getChatAdministrators report as administrators (the first is the creator)."""
        ordered = list(user_ids)
        self.admins[chat_id] = set(ordered)
        self._creators[chat_id] = ordered[0] if ordered else None

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot (private) or the bot was kicked (group): sends answer 403."""
        self.blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self.blocked.discard(chat_id)

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup with a new id: sends to the old id answer migrate_to_chat_id."""
        old = self.chats.get(chat_id) or self.add_chat(chat_id, "group")
        self.migrated[chat_id] = new_chat_id
        self.chats[new_chat_id] = {"id": new_chat_id, "type": "supergroup", "title": old.get("title", "")}
        if chat_id in self.admins:
            self.admins[new_chat_id] = set(self.admins[chat_id])
            self._creators[new_chat_id] = self._creators.get(chat_id)

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """A forum's admin deleted topic `thread_id`: sends there answer 400 "message thread not found"."""
        self.deleted_topics.setdefault(chat_id, set()).add(thread_id)

    def close_topic(self, chat_id: int, thread_id: int | None, *, by: int) -> None:
        """Admin `by` closed forum topic `thread_id` (None: the General topic): a bot that is no admin gets
        400 "TOPIC_CLOSED" for what it sends there, and the chat gets the forum_topic_closed service
        message."""
        self.closed_topics.setdefault(chat_id, set()).add(thread_id)
        self._service_message(chat_id, by, thread_id, "forum_topic_closed")

    def reopen_topic(self, chat_id: int, thread_id: int | None, *, by: int) -> None:
        """Admin `by` reopened the topic: sends there work again (forum_topic_reopened service message)."""
        self.closed_topics.get(chat_id, set()).discard(thread_id)
        self._service_message(chat_id, by, thread_id, "forum_topic_reopened")

    def restrict_bot(self, chat_id: int, *, by: int | None) -> None:
        """The bot may no longer send in the group: admin `by` restricted it (Telegram then sends a
        my_chat_member update), or with `by` None the group's permissions forbid members to send (no update:
        the bot's own membership did not change). Sends, and edits of its messages, answer 400 "not enough
        rights to send …" (a channel: "need administrator rights in the channel chat")."""
        old = self._bot_member(chat_id)
        self.restricted.add(chat_id)
        if by is not None:
            self._my_chat_member(chat_id, by, old, self._bot_member(chat_id))

    def unrestrict_bot(self, chat_id: int, *, by: int | None) -> None:
        """The bot may send again (with `by`: admin `by` lifted its restriction, a my_chat_member update)."""
        old = self._bot_member(chat_id)
        self.restricted.discard(chat_id)
        if by is not None:
            self._my_chat_member(chat_id, by, old, self._bot_member(chat_id))

    def kick_bot(self, chat_id: int, *, by: int) -> None:
        """User `by` removed the bot from the group or channel (or, in a private chat, blocked it): sends
        answer 403 and the bot gets a my_chat_member update (status "kicked"; "left" in a basic group)."""
        old = self._bot_member(chat_id)
        self.blocked.add(chat_id)
        self._my_chat_member(chat_id, by, old, self._bot_member(chat_id))

    def add_bot(self, chat_id: int, *, by: int) -> None:
        """User `by` added the bot back to the group (or unblocked it): a my_chat_member update."""
        old = self._bot_member(chat_id)
        self.blocked.discard(chat_id)
        self._my_chat_member(chat_id, by, old, self._bot_member(chat_id))

    def inject_fault(
        self,
        kind: str,
        count: int = 1,
        *,
        methods: Iterable[str] | None = None,
        retry_after: int = 1,
        status: int = 500,
        delay: float = 0.0,
    ) -> Fault:
        """The next `count` calls (of `methods`, default all but getUpdates) fail: "5xx" answers `status`,
        "429" answers retry_after, "drop" closes the connection, "timeout" waits `delay` then drops without
        acting, "delay" waits `delay` then answers normally."""
        if kind not in {"5xx", "429", "drop", "timeout", "delay"}:
            raise ValueError(f"unknown fault kind {kind!r}")
        fault = Fault(
            kind,
            count,
            frozenset(m.lower() for m in methods) if methods is not None else None,
            retry_after,
            status,
            delay,
        )
        self.faults.append(fault)
        return fault

    # ---------------------------------------------------------------- control API: users act

    def _ensure(self, chat_id: int, user_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        user = self.users.get(user_id) or self.add_user(user_id)
        chat = self.chats.get(chat_id) or self.add_chat(chat_id, "private" if chat_id > 0 else "group")
        return chat, user

    def inject_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (update_id is assigned) for getUpdates."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._changed.set()
        return update

    def _service_message(self, chat_id: int, user_id: int, thread_id: int | None, kind: str) -> None:
        chat, user = self._ensure(chat_id, user_id)
        message: dict[str, Any] = {
            "message_id": next(self._ids(chat_id)),
            "date": int(time.time()),
            "chat": dict(chat),
            "from": dict(user),
            kind: {},
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        self.inject_update({"message": message})

    def _my_chat_member(
        self, chat_id: int, user_id: int, old: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any]:
        """The my_chat_member update Telegram sends when the bot's membership in a chat changes."""
        chat, user = self._ensure(chat_id, user_id)
        change = {
            "chat": dict(chat),
            "from": dict(user),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self.inject_update({"my_chat_member": change})

    def _bot_member(self, chat_id: int, status: str | None = None) -> dict[str, Any]:
        """The bot's ChatMember in `chat_id` as Telegram shows it now (or as `status` would show it)."""
        chat = self.chats.get(chat_id, {})
        if status is None:
            if chat_id in self.blocked:
                status = "left" if chat.get("type") == "group" else "kicked"
            elif (
                chat.get("type") == "channel"
            ):  # a bot in a channel is an admin, maybe without the right to post
                return self._administrator(self.bot_user, can_post_messages=chat_id not in self.restricted)
            elif chat_id in self.restricted and chat.get("type") != "private":
                return self._restricted_member(chat_id)
            else:
                status = "member"
        if status == "kicked":
            return {"user": dict(self.bot_user), "status": "kicked", "until_date": 0}
        if status == "administrator":
            return self._administrator(self.bot_user, can_post_messages=chat_id not in self.restricted)
        return {"user": dict(self.bot_user), "status": status}

    def _restricted_member(self, chat_id: int) -> dict[str, Any]:
        """ChatMemberRestricted of the bot: still a member, allowed to send nothing."""
        rights = dict.fromkeys(
            (
                "can_send_messages",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_manage_topics",
                "can_edit_tag",
                "can_react_to_messages",
            ),
            False,
        )
        return {
            "user": dict(self.bot_user),
            "status": "restricted",
            "is_member": True,
            **rights,
            "until_date": 0,
        }

    def inject_message(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        thread_id: int | None = None,
        document: tuple[str, bytes] | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """A user writes `text` (or sends a document (file_name, content) with `caption`) in a chat."""
        chat, user = self._ensure(chat_id, user_id)
        message: dict[str, Any] = {
            "message_id": next(self._ids(chat_id)),
            "date": int(time.time()),
            "chat": dict(chat),
            "from": dict(user),
        }
        if chat["type"] == "channel":
            message.pop("from")
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if text is not None:
            message["text"] = text
            entities = _command_entities(text)
            if entities:
                message["entities"] = entities
        if document is not None:
            file_name, content = document
            file_id = self.store_file(file_name, content)
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": file_name,
                "mime_type": "application/octet-stream",
                "file_size": len(content),
            }
            if caption is not None:
                message["caption"] = caption
                entities = _command_entities(caption)
                if entities:
                    message["caption_entities"] = entities
        key = "channel_post" if chat["type"] == "channel" else "message"
        return self.inject_update({key: message})

    def inject_command(
        self, chat_id: int, user_id: int, text: str, *, thread_id: int | None = None, mention: bool = False
    ) -> dict[str, Any]:
        """A user sends a command such as "/subscribe csto" (mention=True: "/subscribe@bot csto")."""
        if mention:
            head, _, rest = text.partition(" ")
            text = f"{head}@{self.bot_user['username']}" + (f" {rest}" if rest else "")
        return self.inject_message(chat_id, user_id, text, thread_id=thread_id)

    def inject_member_joined(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """A user joins a group or channel where the bot is an admin: the chat_member update Telegram sends
        to a bot that asked for that kind in allowed_updates."""
        chat, user = self._ensure(chat_id, user_id)
        change = {
            "chat": dict(chat),
            "from": dict(user),
            "date": int(time.time()),
            "old_chat_member": {"user": dict(user), "status": "left"},
            "new_chat_member": {"user": dict(user), "status": "member"},
        }
        return self.inject_update({"chat_member": change})

    def inject_callback_query(
        self, chat_id: int, user_id: int, data: str, *, message_id: int | None = None, age: float = 0.0
    ) -> dict[str, Any]:
        """A user presses an inline button with callback `data` on a bot message (default: the latest);
        `age`: the press was made that many seconds ago (answering it is refused past CALLBACK_ANSWER_SECONDS,
        as is a second answer)."""
        _chat, user = self._ensure(chat_id, user_id)
        messages = [m for m in self._messages.get(chat_id, []) if not m.deleted]
        target = next((m for m in messages if m.message_id == message_id), None) if message_id else None
        if target is None and messages:
            target = messages[-1]
        query: dict[str, Any] = {
            "id": str(next(self._callback_ids)),
            "from": dict(user),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        if target is not None:
            query["message"] = target.raw
        self._pressed_at[query["id"]] = self._monotonic() - age
        return self.inject_update({"callback_query": query})

    def store_file(self, file_name: str, content: bytes) -> str:
        """Keep a file the way Telegram does; returns its file_id."""
        file_id = f"file{next(self._file_ids)}"
        self._files[file_id] = (file_name, content)
        return file_id

    # ---------------------------------------------------------------- control API: what the bot did

    def sent(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to `chat_id`, in order (deleted ones excluded)."""
        return [m for m in self._messages.get(chat_id, []) if not m.deleted]

    def texts(self, chat_id: int) -> list[str]:
        """The plain texts (captions for files) the user sees in `chat_id`, in order."""
        return [m.text for m in self.sent(chat_id)]

    def all_sent(self) -> list[SentMessage]:
        """Every message the bot sent, in every chat."""
        return [m for messages in self._messages.values() for m in messages if not m.deleted]

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot (a later getUpdates offset)."""
        return len(self._updates)

    @property
    def too_many_requests(self) -> int:
        """How many 429 answers were given (flood limits and injected)."""
        return self.stats["429"]

    def commands_for(
        self, scope: str = "default", chat_id: int | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The command menu stored by setMyCommands for exactly this scope (its type, and chat for the chat
        scopes) and language code ("" for none), as getMyCommands answers it."""
        key = (scope,) if chat_id is None else (scope, chat_id)
        return self.commands.get((key, language_code), [])

    def menu_seen(self, chat_id: int, user_id: int | None = None, language_code: str = "") -> list[str]:
        """The command names `user_id` sees in the menu of `chat_id` with Telegram in `language_code`: the
        first scope set in the order of the Bot API's "Determining list of commands"."""
        chat = self.chats.get(chat_id, {"type": "private"})
        user = user_id if user_id is not None else chat_id
        if chat.get("type") == "private":
            scopes: list[tuple[Any, ...]] = [("chat", chat_id), ("all_private_chats",), ("default",)]
        else:
            is_admin = user in self.admins.get(chat_id, set())
            scopes = [("chat_member", chat_id, user)]
            if is_admin:
                scopes.append(("chat_administrators", chat_id))
            scopes.append(("chat", chat_id))
            if is_admin:
                scopes.append(("all_chat_administrators",))
            scopes += [("all_group_chats",), ("default",)]
        for scope in scopes:
            for language in (language_code, ""):
                commands = self.commands.get((scope, language))
                if commands:
                    return [command["command"] for command in commands]
        return []

    async def wait_for_messages(self, chat_id: int, count: int, within: float = 10.0) -> list[SentMessage]:
        """Wait until `chat_id` has at least `count` messages; returns them (TimeoutError otherwise)."""

        async def until() -> list[SentMessage]:
            while len(self.sent(chat_id)) < count:
                self._changed.clear()
                await self._changed.wait()
            return self.sent(chat_id)

        return await asyncio.wait_for(until(), within)

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `predicate()` holds (re-checked after every request the emulator answers)."""

        async def until() -> None:
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), within)

    # ---------------------------------------------------------------- HTTP

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                outcome = await self._respond(method, path, headers, body)
                if outcome is None:  # dropped connection
                    return
                status, content_type, payload = outcome
                writer.write(
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode("latin-1")
                    + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # the server is stopping; Python 3.11's stream callback would log a cancelled handler as an error
            return
        finally:
            self._connections.discard(writer)
            writer.close()

    async def _respond(
        self, http_method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes] | None:
        parsed_path = urllib.parse.urlsplit(path)
        parts = urllib.parse.unquote(parsed_path.path).split("/")
        if len(parts) >= 4 and parts[1] == "file" and parts[2] == f"bot{self.token}":
            file_id = parts[3]
            if file_id not in self._files:
                return 404, "application/json", _error_body(404, "Not Found")
            return 200, "application/octet-stream", self._files[file_id][1]
        if len(parts) != 3 or not parts[1].startswith("bot"):
            return 404, "application/json", _error_body(404, "Not Found")
        if parts[1][3:] != self.token:
            return 401, "application/json", _error_body(401, "Unauthorized")
        api_method = parts[2].lower()
        self.stats["requests"] += 1
        try:
            params = _parse_params(headers.get("content-type", ""), body, parsed_path.query)
        except ValueError:
            return 400, "application/json", _error_body(400, "Bad Request: invalid request body")
        self.requests.append((parts[2], params))
        fault = next((f for f in self.faults if f.matches(api_method)), None)
        if fault is not None:
            fault.count -= 1
            self.stats[f"fault_{fault.kind}"] += 1
            self._changed.set()  # wait_until re-checks on a fault's answer too
            if fault.kind in {"delay", "timeout"}:
                await asyncio.sleep(fault.delay)
            if fault.kind in {"drop", "timeout"}:
                return None
            if fault.kind == "5xx":
                return fault.status, "application/json", _error_body(fault.status, "Internal Server Error")
            if fault.kind == "429":
                self.stats["429"] += 1
                return (
                    429,
                    "application/json",
                    _error_body(
                        429,
                        f"Too Many Requests: retry after {fault.retry_after}",
                        {"retry_after": fault.retry_after},
                    ),
                )
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            return 404, "application/json", _error_body(404, "Not Found")
        try:
            result = await handler(params)
        except _ApiError as exc:
            if exc.code == 429:
                self.stats["429"] += 1
            self.stats[f"error_{exc.code}"] += 1
            return exc.code, "application/json", _error_body(exc.code, exc.description, exc.parameters)
        finally:
            self._changed.set()
        return 200, "application/json", json.dumps({"ok": True, "result": result}).encode()

    # ---------------------------------------------------------------- rules shared by the sending methods

    def _ids(self, chat_id: int) -> itertools.count[int]:
        return self._message_ids.setdefault(chat_id, itertools.count(1))

    def _target_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self.chats.values() if c.get("username") == raw[1:]), None)
            if chat is None:
                raise _ApiError(400, "Bad Request: chat not found")
            return chat
        try:
            chat_id = int(raw)
        except ValueError:
            raise _ApiError(400, "Bad Request: chat not found") from None
        if chat_id in self.migrated:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        chat = self.chats.get(chat_id)
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            if chat["type"] == "private":
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            if chat["type"] == "channel":
                raise _ApiError(403, "Forbidden: bot is not a member of the channel chat")
            raise _ApiError(403, f"Forbidden: bot was kicked from the {chat['type']} chat")
        return chat

    def _check_flood(self, chat: dict[str, Any], params: dict[str, Any]) -> None:
        """Refuse with 429 + retry_after a message beyond a flood limit; count a paid one it lets through
        (stats["paid"]: what Telegram would charge Stars for)."""
        paid = _truthy(params.get("allow_paid_broadcast"))
        if self.enforce_limits:
            self._within_limits(chat, paid)
        if paid:
            self.stats["paid"] += 1

    def _within_limits(self, chat: dict[str, Any], paid: bool) -> None:
        now = self._monotonic()
        chat_limits = self._chat_limits.get(chat["id"])
        if chat_limits is None:
            chat_limits = [_TokenBucket(self._private_rate, self._private_burst, now)]
            if chat["type"] != "private":
                chat_limits.append(_SlidingWindow(self._group_per_minute, 60.0))
            self._chat_limits[chat["id"]] = chat_limits
        limits = [self._paid, *([] if paid else [self._overall]), *chat_limits]
        wait = max(limit.wait_time(now) for limit in limits)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise _ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        for limit in limits:
            limit.record(now)

    def _format(
        self, params: dict[str, Any], key: str, limit: int, *, required: bool
    ) -> tuple[str, list[Any]]:
        raw = params.get(key)
        if raw is None:
            if required:
                raise _ApiError(400, "Bad Request: message text is empty")
            return "", []
        text = str(raw)
        mode = str(params.get("parse_mode") or "").lower()
        if mode == "html":
            try:
                parsed = parse_html(text)
            except EntityParseError as exc:
                raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
            text, entities = parsed.text, parsed.entities
        elif mode:
            raise _ApiError(400, f"Bad Request: unsupported parse_mode {params.get('parse_mode')}")
        else:
            entities = _json_value(params.get(f"{'caption_' if key == 'caption' else ''}entities")) or []
        text, entities = _strip(text, entities)
        if required and not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if utf16_length(text) > limit:
            raise _ApiError(
                400,
                "Bad Request: message is too long"
                if key == "text"
                else "Bad Request: message caption is too long",
            )
        return text, entities

    def _record(
        self,
        chat: dict[str, Any],
        params: dict[str, Any],
        text: str,
        entities: list[Any],
        text_key: str,
        kind: str,
        extra: dict[str, Any],
    ) -> SentMessage:
        thread_id = _int_or_none(params.get("message_thread_id"))
        if thread_id is not None and chat["type"] == "supergroup" and not chat.get("is_forum"):
            thread_id = None
        markup = _json_value(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": next(self._ids(chat["id"])),
            "date": int(time.time()),
            "chat": dict(chat),
            **extra,
        }
        if chat["type"] != "channel":
            message["from"] = dict(self.bot_user)
        else:
            message["sender_chat"] = dict(chat)
        if text or text_key == "text":
            message[text_key] = text
        if entities:
            message["entities" if text_key == "text" else "caption_entities"] = entities
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if markup:
            message["reply_markup"] = markup
        sent = SentMessage(
            message_id=message["message_id"],
            chat_id=chat["id"],
            text=text,
            html=str(params[text_key]) if params.get("parse_mode") and text_key in params else None,
            entities=entities,
            thread_id=thread_id,
            reply_markup=markup,
            date=message["date"],
            kind=kind,
            raw=message,
            at=self._monotonic(),
        )
        self._messages.setdefault(chat["id"], []).append(sent)
        self.stats["sent"] += 1
        return sent

    def _find_message(self, params: dict[str, Any]) -> SentMessage:
        chat = self._target_chat(params)
        message_id = _int_or_none(params.get("message_id"))
        for message in self._messages.get(chat["id"], []):
            if message.message_id == message_id and not message.deleted:
                return message
        raise _ApiError(400, "Bad Request: message to edit not found")

    # ---------------------------------------------------------------- Bot API methods

    async def _api_getme(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _api_logout(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {"url": url, "secret_token": params.get("secret_token")} if url else None
        self._take_allowed_updates(params)
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if _truthy(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _take_allowed_updates(self, params: dict[str, Any]) -> None:
        """Remember allowed_updates when given (an empty list: the default), and drop the queued updates of
        other kinds, as Telegram never sends them."""
        if "allowed_updates" in params:
            kinds = params["allowed_updates"]
            if isinstance(kinds, str):
                kinds = json.loads(kinds)
            self.allowed_updates = frozenset(kinds) if kinds else None
        self._updates = [u for u in self._updates if self._sends(u)]

    def _sends(self, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self.allowed_updates is None:
            return kind not in NOT_SENT_BY_DEFAULT
        return kind in self.allowed_updates

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        self._take_allowed_updates(params)
        offset = _int_or_none(params.get("offset"))
        limit = min(100, max(1, _int_or_none(params.get("limit")) or 100))
        timeout = max(0.0, float(params.get("timeout") or 0))
        if offset is not None and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + timeout
        while not self._updates and self._server is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        self._updates = [u for u in self._updates if self._sends(u)]  # some came while waiting
        return self._updates[:limit]

    def _check_topic(self, chat: dict[str, Any], params: dict[str, Any]) -> None:
        thread_id = _int_or_none(params.get("message_thread_id"))
        if thread_id in self.deleted_topics.get(chat["id"], ()):
            raise _ApiError(400, "Bad Request: message thread not found")
        if chat.get("is_forum") and thread_id in self.closed_topics.get(chat["id"], ()):
            raise _ApiError(400, "Bad Request: TOPIC_CLOSED")

    def _check_rights(self, chat: dict[str, Any], what: str) -> None:
        """Telegram's answer to a bot that may not send `what` (text messages, photos, documents) here."""
        if chat["id"] not in self.restricted:
            return
        if chat["type"] == "channel":
            raise _ApiError(400, "Bad Request: need administrator rights in the channel chat")
        raise _ApiError(400, f"Bad Request: not enough rights to send {what} to the chat")

    async def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        self._check_rights(chat, "text messages")
        self._check_topic(chat, params)
        text, entities = self._format(params, "text", MAX_TEXT, required=True)
        extra = self._reply_to(chat, params)
        self._check_flood(chat, params)
        return self._record(chat, params, text, entities, "text", "text", extra).raw

    def _reply_to(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """reply_parameters as Telegram reads them: the message replied to, or 400 when it is gone (deleted)
        unless allow_sending_without_reply, which sends the message as a plain one."""
        reply = _json_value(params.get("reply_parameters"))
        if not isinstance(reply, dict):
            return {}
        message_id = _int_or_none(reply.get("message_id"))
        for message in self._messages.get(chat["id"], []):
            if message.message_id == message_id and not message.deleted:
                return {"reply_to_message": dict(message.raw)}
        if _truthy(reply.get("allow_sending_without_reply")):
            return {}
        raise _ApiError(400, "Bad Request: message to be replied not found")

    async def _api_senddocument(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        self._check_rights(chat, "documents")
        self._check_topic(chat, params)
        caption, entities = self._format(params, "caption", MAX_CAPTION, required=False)
        name, content = self._upload(params, "document")
        self._check_flood(chat, params)
        file_id = self.store_file(name, content)
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "file_size": len(content),
        }
        sent = self._record(chat, params, caption, entities, "caption", "document", {"document": document})
        sent.document, sent.file_name = content, name
        return sent.raw

    async def _api_sendphoto(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        self._check_rights(chat, "photos")
        self._check_topic(chat, params)
        caption, entities = self._format(params, "caption", MAX_CAPTION, required=False)
        name, content = self._upload(params, "photo")
        self._check_flood(chat, params)
        file_id = self.store_file(name, content)
        photo = [{"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 640, "height": 480}]
        sent = self._record(chat, params, caption, entities, "caption", "photo", {"photo": photo})
        sent.document, sent.file_name = content, name
        return sent.raw

    def _upload(self, params: dict[str, Any], key: str) -> tuple[str, bytes]:
        value = params.get(key)
        if isinstance(value, _Upload):
            return value.file_name, value.content
        if isinstance(value, str) and value.startswith("attach://"):
            attached = params.get(value.removeprefix("attach://"))
            if isinstance(attached, _Upload):
                return attached.file_name, attached.content
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        raise _ApiError(400, f"Bad Request: there is no {key} in the request")

    async def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self._find_message(params)
        self._check_rights(self._target_chat(params), "text messages")
        text, entities = self._format(params, "text", MAX_TEXT, required=True)
        markup = _json_value(params.get("reply_markup"))
        if text == message.text and entities == message.entities and markup == message.reply_markup:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.html = str(params["text"]) if params.get("parse_mode") else None
        message.edits += 1
        message.raw = {**message.raw, "text": text, "edit_date": int(time.time())}
        message.raw.pop("entities", None)
        message.raw.pop("reply_markup", None)
        if entities:
            message.raw["entities"] = entities
        if markup:
            message.raw["reply_markup"] = markup
        return message.raw

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._find_message(params)
        markup = _json_value(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise _ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        message.raw = {k: v for k, v in message.raw.items() if k != "reply_markup"}
        if markup:
            message.raw["reply_markup"] = markup
        return message.raw

    async def _api_deletemessage(self, params: dict[str, Any]) -> Any:
        try:
            message = self._find_message(params)
        except _ApiError:
            raise _ApiError(400, "Bad Request: message to delete not found") from None
        message.deleted = True
        return True

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        pressed_at = self._pressed_at.pop(str(params.get("callback_query_id")), None)
        if pressed_at is None or self._monotonic() - pressed_at > CALLBACK_ANSWER_SECONDS:
            raise _ApiError(400, EXPIRED_QUERY)
        self.callback_answers.append(
            {
                "callback_query_id": str(params.get("callback_query_id")),
                "text": params.get("text"),
                "show_alert": _truthy(params.get("show_alert")),
            }
        )
        return True

    async def _api_sendchataction(self, params: dict[str, Any]) -> Any:
        self._target_chat(params)
        return True

    async def _api_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = _json_value(params.get("commands"))
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise _ApiError(400, "Bad Request: too many commands specified")
        for command in commands:
            name = str(command.get("command", ""))
            if not (1 <= len(name) <= 32) or not all(
                (c.isascii() and c.islower()) or c.isdigit() or c == "_" for c in name
            ):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(str(command.get("description", ""))) <= 256):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._menu_key(params)
        if commands:
            self.commands[key] = commands
        else:  # an empty list deletes the scope's commands, as Telegram does
            self.commands.pop(key, None)
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._menu_key(params), [])

    async def _api_deletemycommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._menu_key(params), None)
        return True

    def _menu_key(self, params: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
        """(scope, language code) of a *MyCommands call, checked as Telegram checks them."""
        language = str(params.get("language_code") or "")
        if language and not (len(language) == 2 and language.isascii() and language.isalpha()):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        scope = _json_value(params.get("scope")) or {"type": "default"}
        if not isinstance(scope, dict):
            raise _ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return (kind,), language.lower()
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise _ApiError(400, "Bad Request: wrong scope type specified")
        chat = self._target_chat({"chat_id": scope.get("chat_id")})
        if kind == "chat_member":
            user_id = _int_or_none(scope.get("user_id"))
            if user_id is None or user_id not in self.users:
                raise _ApiError(400, "Bad Request: user not found")
            return (kind, chat["id"], user_id), language.lower()
        if kind == "chat_administrators" and chat["type"] == "private":
            raise _ApiError(400, "Bad Request: there are no administrators in the private chat")
        return (kind, chat["id"]), language.lower()

    async def _api_getfile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        if file_id not in self._files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self._files[file_id][1]),
            "file_path": file_id,
        }

    async def _api_getchat(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_user["id"] and user_id not in self.admins.get(chat_id, set()):
            return self._bot_member(chat_id)
        user = self.users.get(user_id) or (self.bot_user if user_id == self.bot_user["id"] else None)
        if user is None:
            user = self.add_user(user_id)
        chat = self.chats.get(chat_id, {})
        admins = self.admins.get(chat_id, set())
        if chat.get("type") == "private":
            return {"status": "member", "user": user}
        if user_id not in admins:
            return {"status": "member", "user": user}
        if self._creators.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return self._administrator(user)

    def _administrator(
        self, user: dict[str, Any], *, can_post_messages: bool | None = None
    ) -> dict[str, Any]:
        """ChatMemberAdministrator with the usual rights (and, in a channel, the right to post)."""
        rights = dict.fromkeys(
            (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ),
            True,
        )
        member = {
            "status": "administrator",
            "user": dict(user),
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            **rights,
        }
        if can_post_messages is not None:
            member["can_post_messages"] = can_post_messages
            member["can_edit_messages"] = can_post_messages
        return member

    async def _api_getchatmember(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        user_id = _int_or_none(params.get("user_id"))
        if user_id is None:
            raise _ApiError(400, "Bad Request: user not found")
        return self._member(chat["id"], user_id)

    async def _api_getchatadministrators(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        if chat["type"] == "private":
            raise _ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [self._member(chat["id"], user_id) for user_id in sorted(self.admins.get(chat["id"], set()))]

    async def _api_getchatmembercount(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        return 1 if chat["type"] == "private" else 2 + len(self.admins.get(chat["id"], set()))


# -------------------------------------------------------------------- helpers


@dataclass
class _Upload:
    file_name: str
    content: bytes


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _error_body(code: int, description: str, parameters: dict[str, Any] | None = None) -> bytes:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return json.dumps(body).encode()


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    head = text.split(maxsplit=1)[0] if text.strip() else text
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(head)}]


def _strip(text: str, entities: list[Any]) -> tuple[str, list[Any]]:
    """Telegram trims surrounding whitespace of a message; entity offsets move with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_length(text[: len(text) - len(text.lstrip())])
    limit = utf16_length(stripped)
    moved = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(limit, entity["offset"] + entity["length"] - shift)
        if end > start:
            moved.append({**entity, "offset": start, "length": end - start})
    return stripped, moved


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"true", "1"})


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json_value(value: Any) -> Any:
    """Form fields carry JSON-encoded objects (as python-telegram-bot sends them); JSON bodies, objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _parse_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(urllib.parse.parse_qsl(query))
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return params
    if kind == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("JSON body is not an object")
        params.update(decoded)
    elif kind == "application/x-www-form-urlencoded":
        params.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif kind == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            file_name = part.get_filename()
            params[name] = _Upload(file_name, content) if file_name else content.decode("utf-8")
    return params


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
    """One HTTP/1.1 request: (method, path, lower-cased headers, body), or None when the client hung up."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, path, headers, body
