"""Root fields for providers."""

from typing import Any

import strawberry
from sqlalchemy import select, true

from api.offers.filters import parse_region
from api.offers.types import OFFERS, Provider
from api.planning.declare import NO_DEFAULT, planned
from api.planning.fields import Args, Many
from api.planning.pages import Row, SortKey


def _offered_in(_parent: Row | None, provider: Row, args: Args) -> Any:
    if args.shape("region", lambda region: region is None):
        return true()
    region = args.param("region", parse_region)
    return provider.c.id.in_(select(OFFERS.c.provider_id).where(OFFERS.c.region == region))


@strawberry.type
class ProviderQuery:
    providers: list[Provider] = planned(
        Many(
            lambda _: Provider,
            _offered_in,
            (SortKey(lambda row: row.c.name), SortKey(lambda row: row.c.id)),
        ),
        {"region": (str | None, NO_DEFAULT)},
        description="All providers, or those with offers in `region`.",
    )
