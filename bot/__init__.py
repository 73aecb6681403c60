"""The Telegram side of borderwatch: handlers, formatting, delivery and the public read-only outputs."""

import os

# python-telegram-bot 22 moves time periods (RetryAfter.retry_after, …) from int seconds to timedelta; it
# warns on every flood-control error until a program opts in. borderwatch reads them as timedelta already.
os.environ.setdefault("PTB_TIMEDELTA", "true")
