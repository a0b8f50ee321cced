"""GraphQL types for channels and airings."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
import strawberry

from api.core.connection import Connection
from api.core.node import Node
from api.core.response_cache import TITLE
from api.images.types import Image, image_of
from api.people.types import AFTER
from api.planning.declare import NO_DEFAULT, column, entity, node_id, planned
from api.planning.fields import Args, Keyset, One, Paged
from api.planning.pages import Row
from api.tv.sorters import BY_START
from models import Airing as AiringRow
from models import Channel as ChannelRow
from models import ImageKind
from models.columns import table_of

if TYPE_CHECKING:
    from api.series.types import Episode
    from api.titles.types import Title

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]
LazyEpisode = Annotated["Episode", strawberry.lazy("api.series.types")]

CHANNELS = table_of(ChannelRow)
AIRINGS = table_of(AiringRow)
GUIDE_PAGE = (int | None, 50)


def _title() -> type:
    from api.titles.types import Title

    return Title


def _episode() -> type:
    from api.series.types import Episode

    return Episode


@strawberry.type(description="One showing of a title (an episode of it) on a channel.")
@entity(AIRINGS, tags=lambda row: [(TITLE, row.c.title_id)])
class Airing(Node):
    id: strawberry.ID = node_id("Airing")
    channel: "Channel" = planned(
        One(lambda _: Channel, lambda airing, channel, _: channel.c.id == airing.c.channel_id)
    )
    title: LazyTitle = planned(
        One(lambda _: _title(), lambda airing, title, _: title.c.id == airing.c.title_id)
    )
    episode: LazyEpisode | None = planned(
        One(lambda _: _episode(), lambda airing, episode, _: episode.c.id == airing.c.episode_id)
    )
    starts_at: datetime = column("starts_at", description="UTC")
    ends_at: datetime = column("ends_at", description="UTC")
    is_live: bool = column("is_live")
    is_new: bool = column("is_new")
    is_premiere: bool = column("is_premiere")


def _on_local_day(channel: Row, airing: Row, args: Args) -> Any:
    day = args.param("day", type_=sa.Date())
    return (airing.c.channel_id == channel.c.id) & (airing.c.local_date == day)


@strawberry.type(description="A TV channel of one region.")
@entity(CHANNELS)
class Channel(Node):
    id: strawberry.ID = node_id("Channel")
    slug: str = column("slug")
    name: str = column("name")
    region: str = column("region", description="ISO 3166-1 alpha-2")
    time_zone: str = column("time_zone", description='IANA, e.g. "America/New_York"')
    logo: Image | None = image_of("channel_id", ImageKind.LOGO)
    schedule: Connection[Airing] = planned(
        Paged(lambda _: Airing, _on_local_day, Keyset(lambda _: BY_START), default_first=50),
        {"day": (date, NO_DEFAULT), "first": GUIDE_PAGE, "after": AFTER},
        description="The airings starting on `day` in the channel's time zone, by start.",
    )
