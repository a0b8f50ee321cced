"""A subscription over the live feed for tests: each change as its row's routing
fields (the contract's `AvailabilityChange` type belongs to the change log)."""

import functools
from collections.abc import AsyncIterator

import strawberry
from sqlalchemy import select

from api.context import Info
from api.ids import encode_id
from api.live.changes import Change
from api.live.subscription import watch_changes
from api.schema import Schema, create_schema
from api.settings import Settings
from models import Title


@strawberry.type
class ChangeRow:
    id: int
    title_id: strawberry.ID
    region: str
    title_name: str


async def _row(info: Info, change: Change) -> ChangeRow:
    # Read per change, as the contract's type will (its title, its offer).
    async with info.context.reads() as session:
        name = await session.scalar(select(Title.name).where(Title.id == change.title_id))
    return ChangeRow(
        id=change.id,
        title_id=strawberry.ID(encode_id("Title", change.title_id)),
        region=change.region,
        title_name=name or "",
    )


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def availability_changed(
        self, info: Info, title_ids: list[strawberry.ID], regions: list[str]
    ) -> AsyncIterator[ChangeRow]:
        return await watch_changes(info, title_ids, regions, functools.partial(_row, info))


def live_schema(settings: Settings) -> Schema:
    return create_schema(settings, subscription=Subscription)
