"""The generic part of a live-changes subscription resolver.

`watch_changes` checks the arguments, starts watching (so errors are answered
before the subscription starts, as `error` messages), and returns the subscription's
stream (api/live/channels.py): each matching change, turned into its GraphQL value
by `load` once per process. A subscription field is then one line:

    return await watch_changes(info, title_ids, regions, load)
"""

import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import TypeVar

from api.core.context import Context, Info
from api.core.errors import BadUserInput
from api.core.ids import decode_id
from api.live.changes import Change
from api.live.channels import running, subscribing
from api.live.feed import LiveUnavailable
from api.live.loads import Load
from api.offers.filters import parse_region
from api.planning.reference import Batches
from models.columns import utc_now

MAX_TITLE_IDS = 100
MAX_REGIONS = 30
OVER_WEBSOCKET = "Subscriptions are served over WebSocket (graphql-transport-ws)."

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


async def watch_changes(
    info: Info, title_ids: Sequence[str], regions: Sequence[str], load: Load[Context, T]
) -> AsyncIterator[T]:
    titles, wanted = parse_title_ids(title_ids), parse_regions(regions)
    feed = info.context.live
    if feed is None:
        raise LiveUnavailable(OVER_WEBSOCKET)
    channel = running.get()
    if channel is not None:  # the channel's own run of the operation: the changes
        context = info.context

        async def value(change: Change) -> T | None:
            # Each change is read afresh: a clock and batches (whose loaders keep what
            # they load) of its own.
            context.now, context.batches = utc_now(), Batches()
            return await feed.loads.get(load, context, change)

        return channel.events(value)
    subscriber = subscribing.get()
    if subscriber is None:
        raise LiveUnavailable(OVER_WEBSOCKET)
    return await feed.subscribe(
        subscriber,
        titles,
        wanted,
        lambda: dataclasses.replace(info.context, request=None, batches=Batches(), now=utc_now()),
    )
