"""The orders offers, their links, languages and prices, providers and availability
changes are listed in."""

from sqlalchemy import case, select

from api.planning.pages import Ordering, SortKey
from api.tv.sorters import parse_datetime
from models import Monetization, Platform
from models import Provider as ProviderRow

_PROVIDERS = ProviderRow.__table__  # type: ignore[attr-defined]

# Display order on a title page: streaming first, then rent, then buy.
_MONETIZATION_RANK = {member.value: rank for rank, member in enumerate(Monetization)}
OFFER_ORDER = (
    SortKey(lambda offer: case(_MONETIZATION_RANK, value=offer.c.monetization)),
    SortKey(
        lambda offer: (
            select(_PROVIDERS.c.name)
            .where(_PROVIDERS.c.id == offer.c.provider_id)
            .scalar_subquery()
        )
    ),
    SortKey(lambda offer: offer.c.price),
    SortKey(lambda offer: offer.c.id),
)

_PLATFORM_RANK = {member.value: rank for rank, member in enumerate(Platform)}
LINK_ORDER = (
    SortKey(lambda link: case(_PLATFORM_RANK, value=link.c.platform)),
    SortKey(lambda link: link.c.id),
)

NEWEST_PRICE_FIRST = (
    SortKey(lambda point: point.c.since, descending=True),
    SortKey(lambda point: point.c.id, descending=True),
)

AS_LISTED = (SortKey(lambda language: language.c.position),)

PROVIDERS_BY_NAME = (SortKey(lambda row: row.c.name), SortKey(lambda row: row.c.id))

# By when each change takes effect, then title, then the order they were recorded in.
BY_TIME = Ordering(
    "AVAILABILITY_CHANGES",
    (
        SortKey(lambda change: change.c.at, parse=parse_datetime),
        SortKey(lambda change: change.c.title_id),
        SortKey(lambda change: change.c.id),
    ),
)
