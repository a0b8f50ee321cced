"""GraphQL types for providers and offers."""

from datetime import datetime
from decimal import Decimal
from typing import Self

import strawberry

from api.images.types import Image, image_of
from api.node import Node
from api.planning.declare import column, entity, loaded, node_id, planned
from api.planning.fields import One, Value
from api.response_cache import TITLE
from models import ImageKind, Monetization, VideoQuality
from models import Offer as OfferRow
from models import Provider as ProviderRow

strawberry.enum(Monetization, description="How a viewer pays for an offer.")
strawberry.enum(VideoQuality)

OFFERS = OfferRow.__table__  # type: ignore[attr-defined]
PROVIDERS = ProviderRow.__table__  # type: ignore[attr-defined]


@strawberry.type
@entity(PROVIDERS)
class Provider(Node):
    id: strawberry.ID = node_id("Provider")
    slug: str = column("slug")
    name: str = column("name")
    logo: Image | None = image_of("provider_id", ImageKind.LOGO)

    @classmethod
    def from_row(cls, row: ProviderRow) -> Self:
        return loaded(cls, row)


@strawberry.type
class Money:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217 code")


def _money(value: tuple[Decimal | None, str | None]) -> Money | None:
    amount, currency = value
    return None if amount is None or currency is None else Money(amount=amount, currency=currency)


@strawberry.type(description="Where and how a title can be watched in a region.")
@entity(OFFERS, tags=lambda row: [(TITLE, row.c.title_id)])
class Offer:
    provider: Provider = planned(
        One(lambda _: Provider, lambda offer, provider, _: provider.c.id == offer.c.provider_id)
    )
    region: str = column("region", description="ISO 3166-1 alpha-2, upper case")
    monetization: Monetization = column("monetization")
    quality: VideoQuality | None = column("quality")
    price: Money | None = planned(
        Value(lambda row, _: (row.c.price, row.c.currency), _money),
        description="null for SUBSCRIPTION, FREE and ADS",
    )
    url: str = column("url")
    available_from: datetime | None = column("available_from")
    available_until: datetime | None = column("available_until")

    @classmethod
    def from_row(cls, offer: OfferRow, _provider: ProviderRow | None = None) -> Self:
        return loaded(cls, offer)
