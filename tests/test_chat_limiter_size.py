"""The per-chat rate limiter with more than 5,000 chats (a fan-out to every subscriber): idle chats are
forgotten, a chat Telegram told to wait keeps its wait, and taking on a new chat while all the others are
busy does not look at every one of them again (before: each new chat past 5,000 did, a fan-out to 8,000
busy chats looked at chats some 20 million times)."""

from __future__ import annotations

import pytest

from bot.ratelimit import FORGET_IDLE_ABOVE, ChatRateLimiter, _Chat


def test_a_fan_out_to_many_busy_chats_looks_at_each_chat_a_few_times(monkeypatch: pytest.MonkeyPatch) -> None:
    looks = [0]
    idle_since = _Chat.idle_since

    def counted(self: _Chat, now: float) -> bool:
        looks[0] += 1
        return idle_since(self, now)

    monkeypatch.setattr(_Chat, "idle_since", counted)
    limiter = ChatRateLimiter(clock=lambda: 1000.0)  # no time passes: every chat stays busy
    chats = FORGET_IDLE_ABOVE + 3000
    for chat_id in range(-1, -chats - 1, -1):
        limiter.block_chat(chat_id, 60)
    assert looks[0] <= 2 * chats, looks[0]
    assert limiter.until_free(-1) == 60


def test_past_the_bound_idle_chats_are_forgotten_and_a_chat_told_to_wait_keeps_its_wait() -> None:
    now = [1000.0]
    limiter = ChatRateLimiter(clock=lambda: now[0])
    limiter.block_chat(42, 600)  # Telegram's RetryAfter for chat 42
    for round_ in range(4):
        for n in range(FORGET_IDLE_ABOVE):
            limiter.block_chat(-(round_ * FORGET_IDLE_ABOVE + n + 1), 1)
        now[0] += 2  # those chats are idle again
    assert limiter.until_free(42) == pytest.approx(600 - 8)
    assert len(limiter._chats) <= 2 * FORGET_IDLE_ABOVE + 1  # the idle ones were forgotten along the way
