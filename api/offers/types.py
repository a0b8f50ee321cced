"""GraphQL types for providers and offers."""

from datetime import datetime
from decimal import Decimal
from typing import Self

import strawberry

from api.ids import encode_id
from api.node import Node
from api.response_cache import depends_on, title_tag
from models import Monetization, VideoQuality
from models import Offer as OfferRow
from models import Provider as ProviderRow

strawberry.enum(Monetization, description="How a viewer pays for an offer.")
strawberry.enum(VideoQuality)


@strawberry.type
class Provider(Node):
    slug: str
    name: str

    @classmethod
    def from_row(cls, row: ProviderRow) -> Self:
        assert row.id is not None
        return cls(id=strawberry.ID(encode_id("Provider", row.id)), slug=row.slug, name=row.name)


@strawberry.type
class Money:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217 code")


@strawberry.type(description="Where and how a title can be watched in a region.")
class Offer:
    provider: Provider
    region: str = strawberry.field(description="ISO 3166-1 alpha-2, upper case")
    monetization: Monetization
    quality: VideoQuality | None
    price: Money | None = strawberry.field(description="null for SUBSCRIPTION, FREE and ADS")
    url: str
    available_from: datetime | None
    available_until: datetime | None

    @classmethod
    def from_row(cls, offer: OfferRow, provider: ProviderRow) -> Self:
        depends_on(title_tag(offer.title_id))
        price = None
        if offer.price is not None and offer.currency is not None:
            price = Money(amount=offer.price, currency=offer.currency)
        return cls(
            provider=Provider.from_row(provider),
            region=offer.region,
            monetization=offer.monetization,
            quality=offer.quality,
            price=price,
            url=offer.url,
            available_from=offer.available_from,
            available_until=offer.available_until,
        )
