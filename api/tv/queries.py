"""Root fields of the TV guide: a region's channels, one channel, a day's schedule."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import strawberry
from sqlalchemy import select

from api.core.connection import Connection
from api.core.errors import BadUserInput
from api.offers.filters import parse_region
from api.people.types import AFTER
from api.planning.declare import NO_DEFAULT, planned
from api.planning.fields import Args, Keyset, Many, One, Paged
from api.planning.pages import Row
from api.tv.sorters import BY_NAME, BY_START
from api.tv.types import CHANNELS, GUIDE_PAGE, Airing, Channel
from models import valid_time_zone
from models.columns import UTCDateTime


def day_bounds(day: date, zone_name: str) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of `day` in the zone, in UTC: 23 or 25
    hours on the days clocks change."""
    try:
        zone = ZoneInfo(valid_time_zone(zone_name))
    except ValueError as error:
        raise BadUserInput(str(error), argument="timeZone") from None
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _bound(index: int) -> Any:
    return lambda values: day_bounds(*values)[index]


def _scheduled(_: Row | None, airing: Row, args: Args) -> Any:
    day = ("day", "time_zone")
    channels = select(CHANNELS.c.id).where(CHANNELS.c.region == args.param("region", parse_region))
    if args.shape("channels", lambda chosen: chosen is not None):
        channels = channels.where(args.among(CHANNELS.c.slug, "channels", list))
    return (
        (airing.c.starts_at >= args.param(day, _bound(0), type_=UTCDateTime()))
        & (airing.c.starts_at < args.param(day, _bound(1), type_=UTCDateTime()))
        & airing.c.channel_id.in_(channels.correlate_except(CHANNELS))
    )


@strawberry.type
class GuideQuery:
    channels: list[Channel] = planned(
        Many(
            lambda _: Channel,
            lambda _, channel, args: channel.c.region == args.param("region", parse_region),
            BY_NAME,
        ),
        {"region": (str, NO_DEFAULT)},
        description="The channels of a region (ISO 3166-1 alpha-2), by name.",
    )
    channel: Channel | None = planned(
        One(lambda _: Channel, lambda _, channel, args: channel.c.slug == args.param("slug")),
        {"slug": (str, NO_DEFAULT)},
        description="The channel with this slug; null when there is none.",
    )
    schedule: Connection[Airing] = planned(
        Paged(lambda _: Airing, _scheduled, Keyset(lambda _: BY_START), default_first=50),
        {
            "region": (str, NO_DEFAULT),
            "day": (date, NO_DEFAULT),
            "time_zone": (str, NO_DEFAULT),
            "channels": (list[str] | None, NO_DEFAULT),
            "first": GUIDE_PAGE,
            "after": AFTER,
        },
        description="The airings of a region's channels (or of `channels` among them) that"
        " start on `day` in the IANA zone `timeZone`, by start then channel slug.",
    )
