"""Forum topics that admins closed, as this bot process found them: a closed topic can be reopened, so the
chat keeps it (unlike a deleted one, storage.chats.leave_topic) and its alerts go to the General topic
meanwhile. The topic is tried again when Telegram says it was reopened (a forum_topic_reopened service
message) or, should that message be missed, every REOPEN_CHECK. One bot process sends for a token, so
memory is enough: after a restart the first send to a closed topic finds it closed again."""

from __future__ import annotations

from datetime import datetime, timedelta

REOPEN_CHECK = timedelta(hours=1)


class ClosedTopics:
    """Closed forum topics by (chat, topic), with when to try each again."""

    def __init__(self) -> None:
        self._retry_at: dict[tuple[int, int], datetime] = {}

    def close(self, chat_id: int, thread_id: int, now: datetime) -> None:
        """Telegram refused a message for this topic as closed."""
        # topics whose check is due are tried again anyway: dropped here, so one never written to again
        # (its chat gone, its alerts elsewhere) is not remembered for the process's life
        self._retry_at = {topic: at for topic, at in self._retry_at.items() if at > now}
        self._retry_at[(chat_id, thread_id)] = now + REOPEN_CHECK

    def reopen(self, chat_id: int, thread_id: int) -> bool:
        """The topic was reopened; True when it had been found closed."""
        return self._retry_at.pop((chat_id, thread_id), None) is not None

    def route(self, chat_id: int, thread_id: int | None, now: datetime) -> int | None:
        """Where a message for topic `thread_id` goes now: that topic, or None (General) while closed."""
        if thread_id is None:
            return None
        retry_at = self._retry_at.get((chat_id, thread_id))
        if retry_at is None:
            return thread_id
        if now >= retry_at:
            del self._retry_at[(chat_id, thread_id)]
            return thread_id
        return None


__all__ = ["REOPEN_CHECK", "ClosedTopics"]
