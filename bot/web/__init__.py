"""HTTP outside Telegram: the public read-only outputs (Atom feeds, JSON API) on one small tornado server."""

from bot.web.outputs import api_url, feed_url, start_public_outputs
from bot.web.server import WebServer

__all__ = ["WebServer", "api_url", "feed_url", "start_public_outputs"]
