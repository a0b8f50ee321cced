"""The TV guide: a day's schedule in any IANA zone, a channel's own local day.

The test channels (region NZ, where the seeded guide has none) carry airings on
both sides of local midnight around the clock changes of 2026: New York springs
forward on 8 March and falls back on 1 November, London on 29 March and 25 October.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from models import Airing, Channel, Title, local_date
from seed.guide import CHANNELS as SEEDED_CHANNELS
from seed.load import utc_today
from tests.helpers import GraphQL, data, error_codes

REGION = "NZ"
ZONES = {
    "zz-a-east": "America/New_York",
    "zz-b-east": "America/New_York",
    "zz-london": "Europe/London",
}
# (channel, start in UTC, minutes): each named by its start.
AIRINGS = [
    ("zz-a-east", "2026-03-08T04:59", 1),
    ("zz-a-east", "2026-03-08T05:00", 30),
    ("zz-b-east", "2026-03-08T05:00", 30),
    ("zz-a-east", "2026-03-09T03:30", 60),  # 23:30 to 00:30 local, across midnight
    ("zz-b-east", "2026-03-09T04:00", 30),
    ("zz-a-east", "2026-11-01T03:59", 1),
    ("zz-a-east", "2026-11-01T04:00", 30),
    ("zz-a-east", "2026-11-02T04:30", 60),  # 23:30 local, the 25th hour's last half
    ("zz-b-east", "2026-11-02T05:00", 30),
    ("zz-london", "2026-03-28T23:59", 1),
    ("zz-london", "2026-03-29T00:00", 30),
    ("zz-london", "2026-03-29T22:30", 30),
    ("zz-london", "2026-03-29T23:00", 30),
    ("zz-london", "2026-10-24T22:59", 1),
    ("zz-london", "2026-10-24T23:00", 30),
    ("zz-london", "2026-10-25T23:30", 30),
    ("zz-london", "2026-10-26T00:00", 30),
]

SCHEDULE = """query($region: String!, $day: Date!, $zone: String!, $channels: [String!],
  $first: Int, $after: String) {
  schedule(region: $region, day: $day, timeZone: $zone, channels: $channels, first: $first,
           after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { startsAt endsAt channel { slug } } } } }"""


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
async def guide(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The test channels (by slug: id), with their airings."""
    async with sessions() as session, session.begin():
        title_id = await session.scalar(select(Title.id).where(Title.slug == "refusenik-2007"))
        assert title_id is not None
        channels = {
            slug: Channel(slug=slug, name=f"Test {slug}", region=REGION, time_zone=zone)
            for slug, zone in ZONES.items()
        }
        session.add_all(channels.values())
        await session.flush()
        for slug, start, minutes in AIRINGS:
            starts_at = _utc(start)
            session.add(
                Airing(
                    channel_id=channels[slug].id,
                    title_id=title_id,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=minutes),
                    local_date=local_date(starts_at, ZONES[slug]),
                )
            )
        return {slug: channel.id for slug, channel in channels.items() if channel.id}


def _listed(body: dict[str, Any]) -> list[tuple[str, str]]:
    edges = data(body)["schedule"]["edges"]
    return [(edge["node"]["startsAt"][:16], edge["node"]["channel"]["slug"]) for edge in edges]


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        # New York springs forward: a 23-hour day, 05:00Z to 04:00Z.
        (
            "2026-03-08",
            "America/New_York",
            [
                ("2026-03-08T05:00", "zz-a-east"),
                ("2026-03-08T05:00", "zz-b-east"),
                ("2026-03-09T03:30", "zz-a-east"),
            ],
        ),
        # New York falls back: a 25-hour day, 04:00Z to 05:00Z.
        (
            "2026-11-01",
            "America/New_York",
            [("2026-11-01T04:00", "zz-a-east"), ("2026-11-02T04:30", "zz-a-east")],
        ),
        # London springs forward: 00:00Z to 23:00Z.
        (
            "2026-03-29",
            "Europe/London",
            [("2026-03-29T00:00", "zz-london"), ("2026-03-29T22:30", "zz-london")],
        ),
        # London falls back: 23:00Z the day before to 00:00Z the day after.
        (
            "2026-10-25",
            "Europe/London",
            [("2026-10-24T23:00", "zz-london"), ("2026-10-25T23:30", "zz-london")],
        ),
        # The New York day before spring: 05:00Z to 05:00Z, so 04:59Z is its last minute.
        ("2026-03-07", "America/New_York", [("2026-03-08T04:59", "zz-a-east")]),
        # The same instants seen from London: 03:30Z on 9 March is that London day.
        (
            "2026-03-09",
            "Europe/London",
            [("2026-03-09T03:30", "zz-a-east"), ("2026-03-09T04:00", "zz-b-east")],
        ),
    ],
)
async def test_schedule_lists_airings_starting_on_the_local_day_across_clock_changes(
    graphql: GraphQL, guide: dict[str, int], day: str, zone: str, expected: list[tuple[str, str]]
) -> None:
    variables = {"region": "nz", "day": day, "zone": zone}
    body = await graphql(SCHEDULE, variables)
    assert _listed(body) == expected
    assert data(body)["schedule"]["totalCount"] == len(expected)


async def test_schedule_pages_follow_start_then_channel_slug(
    graphql: GraphQL, guide: dict[str, int]
) -> None:
    variables: dict[str, Any] = {
        "region": REGION,
        "day": "2026-03-08",
        "zone": "America/New_York",
        "first": 1,
    }
    seen = []
    for _ in range(3):
        page = data(await graphql(SCHEDULE, variables))["schedule"]
        seen += [edge["node"]["channel"]["slug"] for edge in page["edges"]]
        variables["after"] = page["pageInfo"]["endCursor"]
    assert seen == ["zz-a-east", "zz-b-east", "zz-a-east"]
    assert page["pageInfo"]["hasNextPage"] is False


async def test_schedule_of_some_channels_leaves_out_the_others(
    graphql: GraphQL, guide: dict[str, int]
) -> None:
    variables = {
        "region": REGION,
        "day": "2026-03-08",
        "zone": "America/New_York",
        "channels": ["zz-b-east", "reel-one-east"],
    }
    assert _listed(await graphql(SCHEDULE, variables)) == [("2026-03-08T05:00", "zz-b-east")]


async def test_schedule_of_a_region_without_channels_is_empty(graphql: GraphQL) -> None:
    body = await graphql(SCHEDULE, {"region": "IS", "day": "2026-03-08", "zone": "UTC"})
    assert data(body)["schedule"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "EST5EDT,M3"])
async def test_schedule_in_an_unknown_time_zone_is_refused(graphql: GraphQL, zone: str) -> None:
    body = await graphql(SCHEDULE, {"region": "US", "day": "2026-03-08", "zone": zone})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "timeZone"


@pytest.mark.parametrize(
    ("slug", "day", "expected"),
    [
        ("zz-a-east", "2026-03-08", ["2026-03-08T05:00", "2026-03-09T03:30"]),
        ("zz-b-east", "2026-03-08", ["2026-03-08T05:00"]),
        ("zz-b-east", "2026-03-09", ["2026-03-09T04:00"]),
        ("zz-a-east", "2026-11-01", ["2026-11-01T04:00", "2026-11-02T04:30"]),
        ("zz-london", "2026-03-29", ["2026-03-29T00:00", "2026-03-29T22:30"]),
        ("zz-london", "2026-10-25", ["2026-10-24T23:00", "2026-10-25T23:30"]),
    ],
)
async def test_a_channels_schedule_is_its_own_local_day(
    graphql: GraphQL, guide: dict[str, int], slug: str, day: str, expected: list[str]
) -> None:
    query = """query($slug: String!, $day: Date!) { channel(slug: $slug) { timeZone
      schedule(day: $day) { totalCount edges { node { startsAt channel { slug } } } } } }"""
    channel = data(await graphql(query, {"slug": slug, "day": day}))["channel"]
    assert [edge["node"]["startsAt"][:16] for edge in channel["schedule"]["edges"]] == expected
    assert channel["schedule"]["totalCount"] == len(expected)


async def test_each_seeded_channels_day_is_the_schedule_of_that_channel_in_its_zone(
    graphql: GraphQL,
) -> None:
    """Channel.schedule reads the stored local date; schedule computes bounds from the
    zone: both must agree for every seeded channel, on a day around today."""
    query = """query($slug: String!, $day: Date!, $region: String!, $zone: String!) {
      channel(slug: $slug) { schedule(day: $day, first: 100) { edges { node { id } } } }
      schedule(region: $region, day: $day, timeZone: $zone, channels: [$slug], first: 100) {
        edges { node { id } } } }"""
    day = (utc_today() - timedelta(days=1)).isoformat()
    for slug, (_, region, zone, _) in SEEDED_CHANNELS.items():
        variables = {"slug": slug, "day": day, "region": region, "zone": zone}
        answer = data(await graphql(query, variables))
        own = answer["channel"]["schedule"]["edges"]
        assert own, slug
        assert own == answer["schedule"]["edges"], slug


async def test_channels_of_a_region_by_name_and_a_channel_by_slug(
    graphql: GraphQL, guide: dict[str, int]
) -> None:
    body = await graphql(
        """{ channels(region: "nz") { id slug name region timeZone logo { url } }
          channel(slug: "zz-london") { id } missing: channel(slug: "nope") { id } }"""
    )
    answer = data(body)
    assert [channel["slug"] for channel in answer["channels"]] == list(ZONES)
    assert answer["channels"][2] == {
        "id": encode_id("Channel", guide["zz-london"]),
        "slug": "zz-london",
        "name": "Test zz-london",
        "region": "NZ",
        "timeZone": "Europe/London",
        "logo": None,
    }
    assert answer["channel"] == {"id": encode_id("Channel", guide["zz-london"])}
    assert answer["missing"] is None


async def test_airings_are_nodes_with_their_channel_title_and_episode(
    graphql: GraphQL, guide: dict[str, int]
) -> None:
    body = await graphql(SCHEDULE, {"region": REGION, "day": "2026-10-25", "zone": "UTC"})
    assert _listed(body) == [("2026-10-25T23:30", "zz-london")]
    query = """query($id: ID!) { node(id: $id) { __typename ... on Airing { startsAt endsAt
      isLive isNew isPremiere channel { slug } title { slug } episode { name } } } }"""
    schedule = data(
        await graphql(
            """{ schedule(region: "NZ", day: "2026-10-25", timeZone: "UTC") {
              edges { node { id } } } }"""
        )
    )["schedule"]
    airing = data(await graphql(query, {"id": schedule["edges"][0]["node"]["id"]}))["node"]
    assert airing == {
        "__typename": "Airing",
        "startsAt": "2026-10-25T23:30:00+00:00",
        "endsAt": "2026-10-26T00:00:00+00:00",
        "isLive": False,
        "isNew": False,
        "isPremiere": False,
        "channel": {"slug": "zz-london"},
        "title": {"slug": "refusenik-2007"},
        "episode": None,
    }


def test_a_local_date_is_the_date_in_the_channels_zone() -> None:
    assert local_date(_utc("2026-11-02T04:30"), "America/New_York") == date(2026, 11, 1)
    assert local_date(_utc("2026-11-02T05:00"), "America/New_York") == date(2026, 11, 2)
