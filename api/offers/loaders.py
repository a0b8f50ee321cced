"""Batched loads of offers and providers."""

from collections import defaultdict
from collections.abc import Hashable, Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from api.batching import LoaderGroup, by_key, scoped
from api.offers.filters import available_now, streamable_in
from models import Monetization, Offer, Provider
from models.columns import utc_now

# Display order on a title page: streaming first, then rent, then buy.
MONETIZATION_RANK = case(
    {member.value: rank for rank, member in enumerate(Monetization)}, value=Offer.monetization
)
OFFER_ORDER = (MONETIZATION_RANK, Provider.name, Offer.price, Offer.id)

OfferScope = tuple[str, frozenset[Monetization] | None]


async def _offers(
    session: AsyncSession, scope: Hashable, title_ids: Sequence[int]
) -> dict[int, list[tuple[Offer, Provider]]]:
    region, monetizations = scope  # type: ignore[misc]
    stmt = (
        select(Offer, Provider)
        .join(Provider, Provider.id == Offer.provider_id)
        .where(Offer.title_id.in_(title_ids), Offer.region == region, available_now(utc_now()))
        .order_by(*OFFER_ORDER)
    )
    if monetizations is not None:
        stmt = stmt.where(Offer.monetization.in_(monetizations))
    found: dict[int, list[tuple[Offer, Provider]]] = defaultdict(list)
    for offer, provider in await session.execute(stmt):
        found[offer.title_id].append((offer, provider))
    return found


async def _streamable(
    session: AsyncSession, scope: Hashable, title_ids: Sequence[int]
) -> dict[int, bool]:
    stmt = (
        select(Offer.title_id)
        .distinct()
        .where(Offer.title_id.in_(title_ids), streamable_in(str(scope), utc_now()))
    )
    return dict.fromkeys((await session.execute(stmt)).scalars(), True)


class OfferLoaders(LoaderGroup):
    @cached_property
    def by_title(self) -> DataLoader[tuple[int, Hashable], Any]:
        """Key (title id, (region, monetizations or None)) -> [(offer, provider)]."""
        return scoped(self._sessions, _offers)

    @cached_property
    def streamable(self) -> DataLoader[tuple[int, Hashable], Any]:
        """Key (title id, region) -> True, or None when not streamable there now."""
        return scoped(self._sessions, _streamable)

    @cached_property
    def provider_by_id(self) -> DataLoader[Any, Provider | None]:
        return by_key(self._sessions, select(Provider), Provider.id)
