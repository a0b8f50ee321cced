"""SQL conditions and argument parsing for offers, shared with the title filters."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from api.codes import normalize_region
from api.errors import BadUserInput
from models import STREAMING_MONETIZATIONS, Offer


def parse_region(value: str, argument: str = "region") -> str:
    region = normalize_region(value)
    if region is None:
        raise BadUserInput(
            f"{value!r} is not an ISO 3166-1 alpha-2 region code (like US or GB).",
            argument=argument,
        )
    return region


def available_now(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(
        or_(Offer.available_from.is_(None), Offer.available_from <= now),
        or_(Offer.available_until.is_(None), Offer.available_until > now),
    )


def streamable_in(
    region: str | ColumnElement[str], now: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """Offers that let a viewer in `region` stream the title right now."""
    return and_(
        Offer.region == region,
        Offer.monetization.in_(STREAMING_MONETIZATIONS),
        available_now(now),
    )
