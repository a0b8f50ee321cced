"""availabilityChanges: what writes change in where titles can be watched (NEW, COMING,
LEAVING, GONE, PRICE_DROP), recorded in the write's own transaction.

Each test writes in a region the curated catalogue leaves alone and reads from the
moment it started, so tests never see each other's changes."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from models import AvailabilityChange, Monetization, Provider
from models.availability import OfferIdentity, OfferTerms, write_offer
from tests.factories import make_title
from tests.helpers import GraphQL, data, error_codes

REGIONS = itertools.cycle(["NZ", "IE", "NO", "SE", "FI", "BE", "PT", "AT", "DK", "PL", "CH"])

UPSERT = """mutation($id: ID!, $input: OfferInput!) {
  upsertOffer(titleId: $id, input: $input) { lastCheckedAt } }"""
REMOVE = """mutation($id: ID!, $region: String!) { removeOffer(titleId: $id, provider: "apple-tv",
  region: $region, monetization: RENT) }"""
CHANGES = """query($region: String!, $since: DateTime!, $until: DateTime,
  $kinds: [AvailabilityChangeKind!], $providers: [String!], $first: Int, $after: String) {
  availabilityChanges(region: $region, since: $since, until: $until, kinds: $kinds,
                      providers: $providers, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { kind at previousPrice { amount currency }
      title { slug } offer { provider { slug } region monetization price { amount }
        availableFrom availableUntil } } } } }"""


def _moment(value: datetime) -> str:
    return value.isoformat()


def _in(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


async def _changes(graphql: GraphQL, region: str, since: datetime, **more: Any) -> dict[str, Any]:
    variables = {"region": region, "since": _moment(since), **more}
    return dict(data(await graphql(CHANGES, variables))["availabilityChanges"])


def _kinds(connection: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["node"]["kind"], e["node"]["title"]["slug"]) for e in connection["edges"]]


class Writer:
    def __init__(self, graphql: GraphQL, key: str, title: Any, region: str) -> None:
        self.graphql, self.key, self.title, self.region = graphql, key, title, region

    async def upsert(self, **changes: Any) -> dict[str, Any]:
        offer = {
            "provider": "apple-tv",
            "region": self.region,
            "monetization": "RENT",
            "url": "https://tv.apple.com/movie/x",
            "price": {"amount": "3.99", "currency": "EUR"},
        } | changes
        for moment in ("availableFrom", "availableUntil"):
            if isinstance(offer.get(moment), datetime):
                offer[moment] = _moment(offer[moment])
        variables = {"id": encode_id("Title", self.title.id), "input": offer}
        return dict(data(await self.graphql(UPSERT, variables, key=self.key))["upsertOffer"])

    async def remove(self) -> bool:
        variables = {"id": encode_id("Title", self.title.id), "region": self.region}
        return bool(data(await self.graphql(REMOVE, variables, key=self.key))["removeOffer"])


@pytest.fixture
async def writer(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> Writer:
    return Writer(graphql, editor_key, await make_title(sessions), next(REGIONS))


async def test_a_new_offer_is_new_and_a_removed_one_gone_yet_still_shown(
    graphql: GraphQL, writer: Writer
) -> None:
    since = datetime.now(UTC)
    await writer.upsert()
    assert _kinds(await _changes(graphql, writer.region, since)) == [("NEW", writer.title.slug)]
    assert await writer.remove() is True
    assert await writer.remove() is False  # gone already
    found = await _changes(graphql, writer.region, since)
    assert _kinds(found) == [("NEW", writer.title.slug), ("GONE", writer.title.slug)]
    gone = found["edges"][1]["node"]
    assert gone["offer"]["provider"]["slug"] == "apple-tv" and gone["offer"]["price"]
    query = (
        "query($slug: String!, $r: String!) { title(slug: $slug) { offers(region: $r) { url } } }"
    )
    listed = await graphql(query, {"slug": writer.title.slug, "r": writer.region})
    assert data(listed)["title"]["offers"] == []
    await writer.upsert()  # back again
    assert _kinds(await _changes(graphql, writer.region, since))[-1] == ("NEW", writer.title.slug)


async def test_an_offer_starting_later_is_coming_and_its_end_leaving(
    graphql: GraphQL, writer: Writer
) -> None:
    since = datetime.now(UTC)
    starts, ends = _in(3), _in(10)
    await writer.upsert(availableFrom=starts, availableUntil=ends)
    now = await _changes(graphql, writer.region, since)  # until: now
    assert _kinds(now) == [("COMING", writer.title.slug)]
    assert now["edges"][0]["node"]["offer"]["availableFrom"] == _moment(starts)
    fortnight = await _changes(graphql, writer.region, since, until=_moment(_in(14)))
    assert [(e["node"]["kind"], e["node"]["at"]) for e in fortnight["edges"]][1:] == [
        ("NEW", _moment(starts)),
        ("LEAVING", _moment(ends)),
        ("GONE", _moment(ends)),
    ]

    later = _in(20)  # the end moves: the departure announced before is taken back
    await writer.upsert(availableFrom=starts, availableUntil=later)
    month = await _changes(graphql, writer.region, since, until=_moment(_in(30)))
    assert [(e["node"]["kind"], e["node"]["at"]) for e in month["edges"]][1:] == [
        ("NEW", _moment(starts)),
        ("LEAVING", _moment(later)),
        ("GONE", _moment(later)),
    ]
    assert _kinds(await _changes(graphql, writer.region, since, kinds=["COMING"])) == [
        ("COMING", writer.title.slug)
    ]  # the same start is not announced twice

    assert await writer.remove() is True  # nothing of it will happen now
    after = await _changes(graphql, writer.region, since, until=_moment(_in(30)))
    assert [e["node"]["kind"] for e in after["edges"]] == ["COMING", "GONE"]


async def test_ending_an_offer_now_is_gone_and_starting_it_now_is_new(
    graphql: GraphQL, writer: Writer
) -> None:
    since = datetime.now(UTC)
    await writer.upsert(availableFrom=_in(2))
    await writer.upsert()  # available from now on
    await writer.upsert(availableFrom=_in(-2), availableUntil=_in(-1))  # ended
    assert [kind for kind, _ in _kinds(await _changes(graphql, writer.region, since))] == [
        "COMING",
        "NEW",
        "GONE",
    ]


async def test_a_lower_price_is_a_price_drop_with_the_price_before(
    graphql: GraphQL, writer: Writer
) -> None:
    since = datetime.now(UTC)
    for amount in ("5.99", "3.99", "4.99", "4.99", "2.99"):
        await writer.upsert(price={"amount": amount, "currency": "EUR"})
    drops = await _changes(graphql, writer.region, since, kinds=["PRICE_DROP"])
    assert [
        (e["node"]["previousPrice"]["amount"], e["node"]["offer"]["price"]["amount"])
        for e in drops["edges"]
    ] == [("5.99", "2.99"), ("4.99", "2.99")]  # the offer as it is now
    assert drops["totalCount"] == 2
    every = await _changes(graphql, writer.region, since)
    assert [e["node"]["kind"] for e in every["edges"]] == ["NEW", *["PRICE_DROP"] * 2]
    assert all(e["node"]["previousPrice"] is None for e in every["edges"][:1])


async def test_a_write_that_changes_nothing_records_nothing_but_confirms_the_offer(
    graphql: GraphQL, writer: Writer
) -> None:
    since = datetime.now(UTC)
    ends = _in(5)
    first = await writer.upsert(availableUntil=ends)
    again = await writer.upsert(availableUntil=ends)
    assert again["lastCheckedAt"] > first["lastCheckedAt"]
    found = await _changes(graphql, writer.region, since, until=_moment(_in(7)))
    assert [e["node"]["kind"] for e in found["edges"]] == ["NEW", "LEAVING", "GONE"]


async def test_changes_are_ordered_by_time_then_title_and_paged_by_cursor(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    region, since = next(REGIONS), datetime.now(UTC)
    titles = [await make_title(sessions) for _ in range(3)]
    ends = _in(1)
    for title in reversed(titles):
        await Writer(graphql, editor_key, title, region).upsert(availableUntil=ends)
    window = {"until": _moment(_in(2))}
    every = await _changes(graphql, region, since, **window)
    nodes = [e["node"] for e in every["edges"]]
    assert [n["kind"] for n in nodes] == ["NEW"] * 3 + ["LEAVING", "GONE"] * 3
    assert [n["at"] for n in nodes] == sorted(n["at"] for n in nodes)
    pages, after = [], None
    while True:
        page = await _changes(graphql, region, since, first=2, after=after, **window)
        pages += [e["node"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == nodes
    leaving = [n["title"]["slug"] for n in nodes[3:]]
    assert leaving == [title.slug for title in titles for _ in "LG"]  # same `at`: by title


async def test_changes_filter_by_provider(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], editor_key: str
) -> None:
    region, since = next(REGIONS), datetime.now(UTC)
    title = await make_title(sessions)
    await Writer(graphql, editor_key, title, region).upsert()
    await Writer(graphql, editor_key, title, region).upsert(
        provider="google-play", url="https://play.google.com/store/movies/details?id=x"
    )
    by = await _changes(graphql, region, since, providers=["google-play", "no-such-provider"])
    assert [e["node"]["offer"]["provider"]["slug"] for e in by["edges"]] == ["google-play"]
    assert (await _changes(graphql, region, since, providers=[]))["edges"] == []


@pytest.mark.parametrize(
    "variables",
    [
        {"region": "XX"},
        {"region": "usa"},
        {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"since": "2026-01-02T00:00:00"},  # no offset
        {"first": 101},
        {"first": -1},
        {"after": "not-a-cursor"},
    ],
)
async def test_bad_arguments_are_bad_user_input(
    graphql: GraphQL, variables: dict[str, Any]
) -> None:
    body = await graphql(CHANGES, {"region": "US", "since": "2026-01-01T00:00:00Z"} | variables)
    assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_changes_are_written_in_the_writes_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A write that rolls back leaves no change behind; one that commits leaves its own."""
    title = await make_title(sessions)
    async with sessions() as session:
        provider = await session.scalar(select(Provider.id).where(Provider.slug == "apple-tv"))
    identity = OfferIdentity(title.id, provider, "LU", Monetization.RENT)  # type: ignore[arg-type]
    terms = OfferTerms("https://tv.apple.com/x", Decimal("1.99"), "EUR")

    async def logged() -> int:
        async with sessions() as session:
            count = select(func.count()).where(AvailabilityChange.title_id == title.id)
            return int(await session.scalar(count) or 0)

    async with sessions() as session, session.begin():
        await write_offer(session, identity, terms, datetime.now(UTC))
        assert await session.scalar(
            select(func.count()).where(AvailabilityChange.title_id == title.id)
        )
        await session.rollback()
    assert await logged() == 0
    async with sessions() as session, session.begin():
        await write_offer(session, identity, terms, datetime.now(UTC))
    assert await logged() == 1


async def test_the_catalogue_has_deals_this_week_and_offers_leaving_and_coming(
    graphql: GraphQL,
) -> None:
    deals = await _changes(graphql, "US", _in(-7), kinds=["PRICE_DROP"], first=100)
    assert deals["edges"]
    for edge in deals["edges"]:
        node = edge["node"]
        assert Decimal(node["previousPrice"]["amount"]) > Decimal(node["offer"]["price"]["amount"])
    assert "refusenik-2007" in {edge["node"]["title"]["slug"] for edge in deals["edges"]}
    soon = await _changes(graphql, "US", _in(0), until=_moment(_in(14)), kinds=["LEAVING"])
    assert soon["edges"]
    for edge in soon["edges"]:
        assert edge["node"]["at"] == edge["node"]["offer"]["availableUntil"]
    coming = await _changes(graphql, "US", _in(-1), kinds=["COMING"], first=100)
    assert coming["edges"]
    assert all(
        datetime.fromisoformat(edge["node"]["offer"]["availableFrom"]) > datetime.now(UTC)
        for edge in coming["edges"]
    )
