"""What bench/fetch_lanes.py and bench/restart_lanes.py share: forty feeds on twenty loopback hosts that drip
one byte every 0.1 s until the fetch deadline cuts them, a healthy feed on a host of its own, and the line
that prints a healthy feed's times next to the same-run baseline's."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from storage.settings import Settings
from tests.feedserver import FeedServer, rss

DRIPPING = 40
HOSTS = 20
DEADLINE = 3.0  # the fetch deadline (30 s in production: the waits measured scale with it)
SETTINGS = Settings(allow_private_urls=True, fetch_timeout=DEADLINE, connect_timeout=2)
DRIP_BODY = rss("Dripping", [(f"g{n}", f"Item {n}", f"http://example.com/{n}", "t") for n in range(20)])


@dataclass(frozen=True, slots=True)
class DrippingFeeds:
    """The dripping feeds' URLs and the healthy feed's."""

    dripping: list[str]
    healthy: str


def dripping_feeds(server: FeedServer, hosts: Sequence[str]) -> DrippingFeeds:
    """DRIPPING dripping feeds, two on each of HOSTS hosts (`hosts[1:]`, so the per-host limit does not hold
    them back), and a healthy feed on the server's first host."""
    dripping = [
        server.add(f"/drip-{n}.xml", DRIP_BODY, fault="drip", drip_interval=0.1, host=hosts[1 + n % HOSTS])
        for n in range(DRIPPING)
    ]
    healthy = server.add("/healthy.xml", rss("Healthy", [("h", "Healthy", "http://example.com/h", "t")]))
    return DrippingFeeds(dripping, healthy)


def compared(
    what: str, after: list[float], before: list[float], *, baseline: str, counted: str, digits: int = 4
) -> str:
    """`what`: the median and worst of `after` in ms next to `before`'s (the same-run `baseline`), as ratios
    with `digits` decimals, and how many of each were `counted`."""
    median, worst = statistics.median(after), max(after)
    base_median, base_worst = statistics.median(before), max(before)
    return (
        f"{what}: median {median * 1000:.1f} ms vs {base_median * 1000:.1f} ms {baseline} "
        f"({median / base_median:.{digits}f}x), max {worst * 1000:.1f} ms vs {base_worst * 1000:.1f} ms "
        f"({worst / base_worst:.4f}x); {len(after)} and {len(before)} {counted}"
    )
