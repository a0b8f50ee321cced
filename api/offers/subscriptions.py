"""`availabilityChanged`: each change of the availability log, live (see api/live/)."""

from collections.abc import AsyncIterator

import strawberry

from api.core.context import Context, Info
from api.live.changes import Change
from api.live.subscription import watch_changes
from api.offers.types import AvailabilityChange
from api.planning.declare import loaded
from models import AvailabilityChange as ChangeRow


async def _load(context: Context, change: Change) -> AvailabilityChange | None:
    """The change as the log holds it now (None: a change set ahead was withdrawn)."""
    async with context.reads() as session:
        row = await session.get(ChangeRow, change.id)
    return None if row is None else loaded(AvailabilityChange, row)


@strawberry.type
class AvailabilitySubscription:
    @strawberry.subscription(
        description="Each change a write or an import makes to where these titles can be"
        " watched in these regions (at most 100 titles and 30 regions), on any replica."
    )
    async def availability_changed(
        self, info: Info, title_ids: list[strawberry.ID], regions: list[str]
    ) -> AsyncIterator[AvailabilityChange]:
        return await watch_changes(info, title_ids, regions, _load)
