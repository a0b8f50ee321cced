"""The `titles` list: filters, orderings and cursor pagination."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Monetization, TitleKind
from tests.factories import hours_from_now, make_offer, make_review, make_title
from tests.helpers import GraphQL, data

TITLES = """
query($first: Int, $after: String, $filter: TitleFilter, $orderBy: TitleOrder) {
  titles(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug name kind year releaseDate criticRating genres { slug } } }
  }
}
"""


async def _titles(graphql: GraphQL, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = data(await graphql(TITLES, variables))["titles"]
    return result


async def _slugs(graphql: GraphQL, **variables: Any) -> list[str]:
    page = await _titles(graphql, first=100, **variables)
    return [edge["node"]["slug"] for edge in page["edges"]]


async def _walk(graphql: GraphQL, page_size: int, **variables: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = await _titles(graphql, first=page_size, after=after, **variables)
        nodes += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize(
    "order", ["RELEASED_DESC", "RELEASED_ASC", "NAME_ASC", "CRITIC_RATING_DESC"]
)
async def test_paging_visits_every_title_once_in_the_same_order_as_one_big_page(
    graphql: GraphQL, order: str
) -> None:
    total = (await _titles(graphql, first=0))["totalCount"]
    walked = await _walk(graphql, 37, orderBy=order)
    assert len(walked) == total
    assert len({node["slug"] for node in walked}) == total
    first_hundred = await _slugs(graphql, orderBy=order)
    assert [node["slug"] for node in walked[:100]] == first_hundred


def _nulls_last(values: list[Any], descending: bool) -> bool:
    present = [v for v in values if v is not None]
    nulls_at_end = values[len(present) :] == [None] * (len(values) - len(present))
    return nulls_at_end and present == sorted(present, reverse=descending)


async def test_released_desc_is_newest_first_with_unknown_years_last(graphql: GraphQL) -> None:
    walked = await _walk(graphql, 100, orderBy="RELEASED_DESC")
    assert _nulls_last([node["year"] for node in walked], descending=True)
    ascending = await _walk(graphql, 100, orderBy="RELEASED_ASC")
    assert _nulls_last([node["year"] for node in ascending], descending=False)


async def test_critic_rating_desc_puts_best_rated_first_and_unrated_last(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    top = await make_title(sessions)
    await make_review(sessions, top, rating=5.0)
    await make_review(sessions, top, rating=5.0)
    await make_review(sessions, top, rating=None)
    walked = await _walk(graphql, 100, orderBy="CRITIC_RATING_DESC")
    ratings = [node["criticRating"] for node in walked]
    assert _nulls_last(ratings, descending=True)
    assert walked[0]["criticRating"] == 5.0
    assert top.slug in [node["slug"] for node in walked if node["criticRating"] == 5.0]


async def test_first_zero_returns_no_edges_but_counts_and_says_more_exist(graphql: GraphQL) -> None:
    page = await _titles(graphql, first=0)
    assert page["edges"] == []
    assert page["totalCount"] > 0
    assert page["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


async def test_default_page_is_twenty_titles(graphql: GraphQL) -> None:
    page = data(await graphql("{ titles { edges { cursor } } }"))["titles"]
    assert len(page["edges"]) == 20


async def test_filters_by_kind_genres_any_of_and_year_range(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    drama = await make_title(sessions, year=1871, genres=["drama"])
    comedy_series = await make_title(sessions, year=1873, genres=["comedy"], kind=TitleKind.SERIES)
    horror = await make_title(sessions, year=1875, genres=["horror", "drama"])
    era = {"yearFrom": 1871, "yearTo": 1875}
    assert set(await _slugs(graphql, filter=era)) == {drama.slug, comedy_series.slug, horror.slug}
    assert await _slugs(graphql, filter={**era, "kind": "SERIES"}) == [comedy_series.slug]
    any_of = await _slugs(graphql, filter={**era, "genres": ["comedy", "horror"]})
    assert set(any_of) == {comedy_series.slug, horror.slug}
    assert await _slugs(graphql, filter={"yearFrom": 1872, "yearTo": 1874}) == [comedy_series.slug]
    assert await _slugs(graphql, filter={**era, "genres": ["no-such-genre"]}) == []
    assert await _slugs(graphql, filter={"yearFrom": 1875, "yearTo": 1871}) == []
    counted = await _titles(graphql, first=1, filter=era)
    assert counted["totalCount"] == 3
    assert len(counted["edges"]) == 1


async def test_streamable_in_keeps_titles_with_a_streaming_offer_available_now(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    era = {"yearFrom": 1880, "yearTo": 1880}
    streams = await make_title(sessions, year=1880)
    await make_offer(sessions, streams, "tubi", region="GB", monetization=Monetization.ADS)
    rent_only = await make_title(sessions, year=1880)
    await make_offer(sessions, rent_only, "apple-tv", region="GB", monetization=Monetization.RENT)
    expired = await make_title(sessions, year=1880)
    await make_offer(sessions, expired, region="GB", available_until=hours_from_now(-1))
    other_region = await make_title(sessions, year=1880)
    await make_offer(sessions, other_region, region="FR")

    assert await _slugs(graphql, filter={**era, "streamableIn": "gb"}) == [streams.slug]
    assert await _slugs(graphql, filter={**era, "streamableIn": "GB", "providers": ["tubi"]}) == [
        streams.slug
    ]
    assert (
        await _slugs(graphql, filter={**era, "streamableIn": "GB", "providers": ["netflix"]}) == []
    )
    by_provider = await _slugs(graphql, filter={**era, "providers": ["apple-tv", "netflix"]})
    assert set(by_provider) == {rent_only.slug, other_region.slug}


async def test_streamable_in_validates_the_region(graphql: GraphQL) -> None:
    body = await graphql(TITLES, {"filter": {"streamableIn": "Atlantis"}})
    assert body["errors"][0]["extensions"] == {"argument": "streamableIn", "code": "BAD_USER_INPUT"}
    assert "'Atlantis'" in body["errors"][0]["message"]
