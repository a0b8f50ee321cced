"""Root fields for providers and the availability changes of a region."""

from datetime import UTC, datetime
from typing import Any

import strawberry
from sqlalchemy import select, true

from api.core.connection import Connection
from api.core.errors import BadUserInput
from api.offers.filters import parse_region
from api.offers.sorters import BY_TIME, PROVIDERS_BY_NAME
from api.offers.types import OFFERS, PROVIDERS, AvailabilityChange, Provider
from api.people.types import AFTER
from api.planning.declare import NO_DEFAULT, planned
from api.planning.fields import Args, Keyset, Many, Paged
from api.planning.pages import Row
from models import AvailabilityChangeKind
from models.columns import UTCDateTime


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
            PROVIDERS_BY_NAME,
        ),
        {"region": (str | None, NO_DEFAULT)},
        description="All providers, or those with offers in `region`.",
    )


def _moment(argument: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise BadUserInput(
            f"`{argument}` must include a time zone offset, got {value.isoformat()}.",
            argument=argument,
        )
    return value.astimezone(UTC)


def _since(values: tuple[datetime, datetime | None]) -> datetime:
    since, until = values
    since = _moment("since", since)
    if until is not None and since > _moment("until", until):
        raise BadUserInput(
            f"`since` ({since.isoformat()}) must not be after `until`"
            f" ({until.astimezone(UTC).isoformat()}).",
            argument="since",
        )
    return since


def _changes(_: Row | None, change: Row, args: Args) -> Any:
    condition = (change.c.region == args.param("region", parse_region)) & (
        change.c.at >= args.param(("since", "until"), _since, type_=UTCDateTime())
    )
    if args.shape("until", lambda until: until is None):
        condition &= change.c.at <= args.now()
    else:
        until = args.param("until", lambda value: _moment("until", value), type_=UTCDateTime())
        condition &= change.c.at <= until
    if args.shape("kinds", lambda chosen: chosen is not None):
        condition &= args.among(change.c.kind, "kinds", list)
    if args.shape("providers", lambda chosen: chosen is not None):
        offer, provider = OFFERS.alias(), PROVIDERS.alias()
        offered_by = select(provider.c.id).where(args.among(provider.c.slug, "providers", list))
        condition &= change.c.offer_id.in_(
            select(offer.c.id)
            .where(offer.c.provider_id.in_(offered_by.scalar_subquery()))
            .correlate_except(offer, provider)
        )
    return condition


@strawberry.type
class AvailabilityQuery:
    availability_changes: Connection[AvailabilityChange] = planned(
        Paged(lambda _: AvailabilityChange, _changes, Keyset(lambda _: BY_TIME), default_first=20),
        {
            "region": (str, NO_DEFAULT),
            "since": (datetime, NO_DEFAULT),
            "until": (datetime | None, NO_DEFAULT),
            "kinds": (list[AvailabilityChangeKind] | None, NO_DEFAULT),
            "providers": (list[str] | None, NO_DEFAULT),
            "first": (int | None, 20),
            "after": AFTER,
        },
        description="What changed in `region` from `since` to `until` (default: now), by"
        " when it takes effect, then title: NEW, COMING, LEAVING (availableUntil in the"
        " window), GONE, PRICE_DROP; optionally only some kinds or providers (slugs).",
    )
