"""An episode's guest credits: apart from the title's own, in billing order, by role,
in keyset pages, and a season page asking for them is still one statement."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import CreditRole, Episode, EpisodeCredit, Person, Season, Title
from tests.conftest import StatementCounter
from tests.helpers import GraphQL, data, error_codes

SERIES = "i-love-lucy-1951"

EPISODE_CREDITS = """query($slug: String!, $season: Int!, $number: Int!, $first: Int,
  $after: String, $roles: [CreditRole!]) {
  title(slug: $slug) { episode(season: $season, number: $number) {
    credits(first: $first, after: $after, roles: $roles) { totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { role character order person { slug } title { slug } } } } } } }"""

SEASON_PAGE = """query($slug: String!) { title(slug: $slug) { seasons { number
  episodes(first: 30) { edges { node { number
    credits(first: 5) { totalCount edges { node { role character person { name } } } }
  } } } } } }"""


async def _guests(
    sessions: async_sessionmaker[AsyncSession], slug: str, season: int, number: int
) -> list[tuple[str, CreditRole, str | None, int]]:
    """The episode's guest credits by position, then id, read from the table."""
    async with sessions() as session:
        rows = await session.execute(
            select(Person.slug, EpisodeCredit.role, EpisodeCredit.character, EpisodeCredit.position)
            .join(Person, Person.id == EpisodeCredit.person_id)
            .join(Episode, Episode.id == EpisodeCredit.episode_id)
            .join(Season, Season.id == Episode.season_id)
            .join(Title, Title.id == Episode.title_id)
            .where(Title.slug == slug, Season.number == season, Episode.number == number)
            .order_by(EpisodeCredit.position, EpisodeCredit.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def _credits(graphql: GraphQL, **variables: Any) -> dict[str, Any]:
    values = {"slug": SERIES, "season": 1, "number": 1, **variables}
    answer: dict[str, Any] = data(await graphql(EPISODE_CREDITS, values))
    return answer["title"]["episode"]["credits"]  # type: ignore[no-any-return]


def _shown(credits: dict[str, Any]) -> list[tuple[str, str, str | None, int]]:
    return [
        (edge["node"]["person"]["slug"], edge["node"]["role"], edge["node"]["character"],
         edge["node"]["order"])
        for edge in credits["edges"]
    ]  # fmt: skip


async def test_an_episodes_credits_are_its_guests_in_billing_order(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    expected = await _guests(sessions, SERIES, 1, 1)
    credits = await _credits(graphql)
    assert expected  # a season premiere always has a guest in the seeded guide
    assert _shown(credits) == [
        (slug, role.name, character, order) for slug, role, character, order in expected
    ]
    assert credits["totalCount"] == len(expected)
    assert {edge["node"]["title"]["slug"] for edge in credits["edges"]} == {SERIES}


async def test_guest_credits_are_not_among_the_titles_credits(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    guests = {slug for slug, *_ in await _guests(sessions, SERIES, 1, 1)}
    query = """query($slug: String!) { title(slug: $slug) { credits(first: 100) {
      edges { node { person { slug } } } } } }"""
    answer = data(await graphql(query, {"slug": SERIES}))["title"]["credits"]
    assert not guests & {edge["node"]["person"]["slug"] for edge in answer["edges"]}


async def test_guest_credits_of_some_roles_only(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        season, number = (
            await session.execute(
                select(Season.number, Episode.number)
                .join(Episode, Episode.season_id == Season.id)
                .join(Title, Title.id == Season.title_id)
                .join(EpisodeCredit, EpisodeCredit.episode_id == Episode.id)
                .where(Title.slug == SERIES, EpisodeCredit.role == CreditRole.DIRECTOR)
                .order_by(Season.number, Episode.number)
                .limit(1)
            )
        ).one()
    expected = await _guests(sessions, SERIES, season, number)
    directors = await _credits(graphql, season=season, number=number, roles=["DIRECTOR"])
    assert _shown(directors) == [
        (slug, role.name, character, order)
        for slug, role, character, order in expected
        if role is CreditRole.DIRECTOR
    ]
    assert directors["totalCount"] == len(directors["edges"]) >= 1
    every = await _credits(graphql, season=season, number=number, roles=[])
    assert len(every["edges"]) == len(expected) > len(directors["edges"])
    none = await _credits(graphql, season=season, number=number, roles=["COMPOSER"])
    assert (none["totalCount"], none["edges"]) == (0, [])


async def test_guest_credits_page_by_cursor(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        slug, season, number = (
            await session.execute(
                select(Title.slug, Season.number, Episode.number)
                .join(Season, Season.title_id == Title.id)
                .join(Episode, Episode.season_id == Season.id)
                .join(EpisodeCredit, EpisodeCredit.episode_id == Episode.id)
                .where(EpisodeCredit.position == 2)
                .order_by(Title.slug, Season.number, Episode.number)
                .limit(1)
            )
        ).one()
    expected = await _guests(sessions, slug, season, number)
    seen: list[tuple[str, str, str | None, int]] = []
    after = None
    for page in range(len(expected)):
        credits = await _credits(
            graphql, slug=slug, season=season, number=number, first=1, after=after
        )
        info = credits["pageInfo"]
        assert info["hasPreviousPage"] is (page > 0)
        assert info["hasNextPage"] is (page < len(expected) - 1)
        assert info["startCursor"] == info["endCursor"] == credits["edges"][0]["cursor"]
        seen += _shown(credits)
        after = info["endCursor"]
    assert seen == [(s, role.name, character, order) for s, role, character, order in expected]
    last = await _credits(graphql, slug=slug, season=season, number=number, after=after)
    assert (last["edges"], last["pageInfo"]["hasNextPage"]) == ([], False)


async def test_an_episode_without_guests_has_an_empty_connection(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        season, number = (
            await session.execute(
                select(Season.number, Episode.number)
                .join(Episode, Episode.season_id == Season.id)
                .join(Title, Title.id == Season.title_id)
                .where(Title.slug == SERIES)
                .where(
                    ~select(EpisodeCredit.id).where(EpisodeCredit.episode_id == Episode.id).exists()
                )
                .order_by(Season.number, Episode.number)
                .limit(1)
            )
        ).one()
    credits = await _credits(graphql, season=season, number=number)
    assert credits == {
        "totalCount": 0,
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
        "edges": [],
    }


async def test_a_bad_page_size_or_cursor_is_refused(graphql: GraphQL) -> None:
    for variables in ({"first": 101}, {"first": -1}, {"after": "not-a-cursor"}):
        body = await graphql(
            EPISODE_CREDITS, {"slug": SERIES, "season": 1, "number": 1, **variables}
        )
        assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_season_page_with_guest_credits_is_one_statement(
    graphql: GraphQL, count_statements: StatementCounter, engine: AsyncEngine
) -> None:
    await graphql(SEASON_PAGE, {"slug": SERIES})  # the document's plan is learned
    count_statements.statements.clear()
    answer = data(await graphql(SEASON_PAGE, {"slug": SERIES}))["title"]
    guests = [
        edge
        for season in answer["seasons"]
        for episode in season["episodes"]["edges"]
        for edge in episode["node"]["credits"]["edges"]
    ]
    assert guests
    reads = [
        statement
        for statement in count_statements.statements
        if statement.lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    assert len(reads) == 1, count_statements.statements
