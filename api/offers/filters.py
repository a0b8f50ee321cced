"""SQL conditions and argument parsing for offers, shared with the title filters."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from api.core.errors import BadUserInput
from api.core.iso_codes import normalize_region
from api.planning.fields import Args
from api.planning.pages import Row
from models import STREAMING_MONETIZATIONS


def parse_region(value: str, argument: str = "region") -> str:
    region = normalize_region(value)
    if region is None:
        raise BadUserInput(
            f"{value!r} is not an ISO 3166-1 alpha-2 region code (like US or GB).",
            argument=argument,
        )
    return region


def available_now(offer: Row, now: ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(
        offer.c.removed_at.is_(None),
        or_(offer.c.available_from.is_(None), offer.c.available_from <= now),
        or_(offer.c.available_until.is_(None), offer.c.available_until > now),
    )


def streamable_in(
    offer: Row, region: ColumnElement[str], now: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """Offers that let a viewer in `region` stream the title right now."""
    return and_(
        offer.c.region == region,
        offer.c.monetization.in_(sorted(STREAMING_MONETIZATIONS, key=lambda m: m.value)),
        available_now(offer, now),
    )


def offered_now(offer: Row, args: Args) -> ColumnElement[bool]:
    """Offers available now in the `region` argument, of the `monetizations` asked for
    (all when the argument is null)."""
    condition = and_(
        offer.c.region == args.param("region", parse_region), available_now(offer, args.now())
    )
    if args.shape("monetizations", lambda chosen: chosen is not None):
        condition &= args.among(offer.c.monetization, "monetizations", list)
    return condition
