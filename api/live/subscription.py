"""The generic part of a live-changes subscription resolver.

`watch_changes` checks the arguments, starts watching (so errors are answered
before the subscription starts, as `error` messages), and returns the stream of
matching changes, each turned into its GraphQL value by `load`. A subscription
field is then one line:

    return await watch_changes(info, title_ids, regions, load)
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from api.core.context import Info
from api.core.errors import BadUserInput
from api.core.ids import decode_id
from api.live.changes import Change, Watch
from api.live.feed import ChangeFeed, LiveUnavailable
from api.offers.filters import parse_region

MAX_TITLE_IDS = 100
MAX_REGIONS = 30

T = TypeVar("T")


def parse_title_ids(title_ids: Sequence[str]) -> frozenset[int]:
    if not 1 <= len(title_ids) <= MAX_TITLE_IDS:
        raise BadUserInput(
            f"`titleIds` must name 1 to {MAX_TITLE_IDS} titles; it names {len(title_ids):,}.",
            argument="titleIds",
        )
    return frozenset(decode_id(title_id, "Title")[1] for title_id in title_ids)


def parse_regions(regions: Sequence[str]) -> frozenset[str]:
    if not 1 <= len(regions) <= MAX_REGIONS:
        raise BadUserInput(
            f"`regions` must name 1 to {MAX_REGIONS} regions; it names {len(regions):,}.",
            argument="regions",
        )
    return frozenset(parse_region(region, "regions") for region in regions)


class LiveChanges(Generic[T]):
    """The changes one subscription receives, until it is closed (the client
    completes or disconnects: strawberry closes it either way)."""

    def __init__(
        self, feed: ChangeFeed, watch: Watch, load: Callable[[Change], Awaitable[T | None]]
    ):
        self.feed = feed
        self.watch = watch
        self.load = load
        self.closed = False

    def __aiter__(self) -> "LiveChanges[T]":
        return self

    async def __anext__(self) -> T:
        while not self.closed:
            try:
                change = await self.watch.next()
            except BaseException:
                await self.aclose()
                raise
            value = await self.load(change)
            if value is not None:  # None: the change is gone (withdrawn) by now
                return value
        raise StopAsyncIteration

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            self.feed.unwatch(self.watch)


async def watch_changes(
    info: Info,
    title_ids: Sequence[str],
    regions: Sequence[str],
    load: Callable[[Change], Awaitable[T | None]],
) -> LiveChanges[T]:
    titles, wanted = parse_title_ids(title_ids), parse_regions(regions)
    feed = info.context.live
    if feed is None:
        raise LiveUnavailable("Subscriptions are served over WebSocket (graphql-transport-ws).")
    return LiveChanges(feed, await feed.watch(titles, wanted), load)
