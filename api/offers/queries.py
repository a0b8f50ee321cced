"""Root fields for providers."""

import strawberry
from sqlalchemy import select

from api.arguments import OMITTED, given
from api.context import Info
from api.offers.filters import parse_region
from api.offers.types import Provider
from api.response_cache import LISTS, depends_on
from models import Offer
from models import Provider as ProviderRow


@strawberry.type
class ProviderQuery:
    @strawberry.field(description="All providers, or those with offers in `region`.")
    async def providers(self, info: Info, region: str | None = OMITTED) -> list[Provider]:
        depends_on(LISTS)
        stmt = select(ProviderRow).order_by(ProviderRow.name, ProviderRow.id)
        if given(region) is not None:
            offered = select(Offer.provider_id).where(Offer.region == parse_region(region))
            stmt = stmt.where(ProviderRow.id.in_(offered))
        async with info.context.reads() as session:
            rows = (await session.execute(stmt)).scalars().all()
        return [Provider.from_row(row) for row in rows]
