"""The per-chat rate limiter (bot.ratelimit.ChatRateLimiter) with thousands of busy chats: what it costs to
take on one more chat, as during a fan-out to every subscriber, when every chat it knows is still busy (held
back by a RetryAfter here; a group's slot is busy for a minute after each message the same way), so that
its clean-up of idle chats, started past 5,000 chats, finds nothing to forget.

Per size: the mean time to add each of the last CHATS_TIMED chats. The same-run baseline is the same
additions below 5,000 chats, where no clean-up runs; a clean-up that scans every chat at each new one makes
the cost grow with the number of chats (and filling the limiter quadratic).
"""

from __future__ import annotations

import time

from bot.ratelimit import ChatRateLimiter

SIZES = (4_000, 8_000, 16_000)
CHATS_TIMED = 1_000
BUSY_SECONDS = 60.0


def _time_per_new_chat(size: int) -> tuple[float, float]:
    """Fill a limiter with `size` busy chats: (seconds per chat of the last CHATS_TIMED, seconds in all)."""
    limiter = ChatRateLimiter(clock=lambda: 1000.0)  # time stands still: no chat comes free
    started = time.perf_counter()
    for chat_id in range(-1, -(size - CHATS_TIMED) - 1, -1):
        limiter.block_chat(chat_id, BUSY_SECONDS)
    timed_from = time.perf_counter()
    for chat_id in range(-(size - CHATS_TIMED) - 1, -size - 1, -1):
        limiter.block_chat(chat_id, BUSY_SECONDS)
    ended = time.perf_counter()
    return (ended - timed_from) / CHATS_TIMED, ended - started


def main() -> None:
    """Print the cost of one more busy chat per size, next to the cost below the clean-up's bound."""
    baseline, _ = _time_per_new_chat(SIZES[0])
    print(f"one more chat when every chat is busy (mean of the last {CHATS_TIMED}):")
    print(f"  {SIZES[0]:>6} chats (baseline, no clean-up)  {baseline * 1e6:9.1f} us")
    for size in SIZES[1:]:
        per_chat, total = _time_per_new_chat(size)
        print(
            f"  {size:>6} chats                          {per_chat * 1e6:9.1f} us"
            f"   ratio {per_chat / baseline:7.1f}x   (filling: {total:.2f} s)"
        )
