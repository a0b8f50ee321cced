"""Series on titles: seasons, episodes, the next episode, upcoming airings, external ids,
and the title page of a series as one statement."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from models import Episode, ExternalSource, Season, Title, TitleExternalId, TitleKind
from seed.load import utc_today
from tests.conftest import StatementCounter
from tests.helpers import GraphQL, data, error_codes

SERIES = "i-love-lucy-1951"
MOVIE = "refusenik-2007"

BY_EXTERNAL_ID = """query($s: ExternalSource!, $id: String!) {
  titleByExternalId(source: $s, id: $id) { slug } }"""
SERIES_PAGE = """query($slug: String!) { title(slug: $slug) {
  name kind status endYear originalName network { slug }
  externalIds { imdb tmdb tvmaze wikidata }
  poster { kind width height url(width: 300) }
  seasons { id number name premiereDate episodeCount poster { url }
    episodes(first: 3) { totalCount edges { node { number name airDate seasonNumber } } } }
  nextEpisode { id seasonNumber number name airDate season { number } title { slug } }
  upcomingAirings(region: "US", first: 5) {
    totalCount edges { node { startsAt channel { slug name } episode { number } } } } } }"""


async def _title(sessions: async_sessionmaker[AsyncSession], slug: str) -> Title:
    async with sessions() as session:
        found = await session.scalar(select(Title).where(Title.slug == slug))
        assert found is not None
        return found


async def test_seasons_are_listed_by_number_with_their_episode_counts(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await _title(sessions, SERIES)
    async with sessions() as session:
        expected = (
            await session.execute(
                select(Season.number, func.count(Episode.id))
                .join(Episode, Episode.season_id == Season.id, isouter=True)
                .where(Season.title_id == title.id)
                .group_by(Season.number)
                .order_by(Season.number)
            )
        ).all()
    answer = data(await graphql(SERIES_PAGE, {"slug": SERIES}))["title"]
    assert [(s["number"], s["episodeCount"]) for s in answer["seasons"]] == [
        tuple(row) for row in expected
    ]
    first = answer["seasons"][0]["episodes"]
    assert [edge["node"]["number"] for edge in first["edges"]] == [1, 2, 3]
    assert first["totalCount"] == expected[0][1]


async def test_a_movie_has_no_seasons_status_end_year_or_next_episode(graphql: GraphQL) -> None:
    answer = data(await graphql(SERIES_PAGE, {"slug": MOVIE}))["title"]
    assert answer["kind"] == "MOVIE"
    assert (answer["seasons"], answer["status"], answer["endYear"], answer["nextEpisode"]) == (
        [],
        None,
        None,
        None,
    )


async def test_the_next_episode_is_the_first_airing_today_or_later(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        upcoming = (
            await session.execute(
                select(Title.slug, Episode.id)
                .join(Episode, Episode.title_id == Title.id)
                .where(Title.kind == TitleKind.SERIES, Episode.air_date >= utc_today())
                .order_by(Title.slug, Episode.air_date, Episode.number, Episode.id)
            )
        ).all()
        ended = await session.scalar(
            select(Title.slug)
            .where(Title.kind == TitleKind.SERIES)
            .where(
                ~select(Episode.id)
                .where(Episode.title_id == Title.id, Episode.air_date >= utc_today())
                .exists()
            )
            .order_by(Title.slug)
            .limit(1)
        )
    assert upcoming, "the seeded guide has returning series"
    firsts: dict[str, int] = {}
    for slug, episode_id in upcoming:
        firsts.setdefault(slug, episode_id)
    query = "query($slug: String!) { title(slug: $slug) { nextEpisode { id airDate } } }"
    for slug, episode_id in list(firsts.items())[:5]:
        found = data(await graphql(query, {"slug": slug}))["title"]["nextEpisode"]
        assert found["id"] == encode_id("Episode", episode_id)
        assert found["airDate"] >= utc_today().isoformat()
    assert data(await graphql(query, {"slug": ended}))["title"]["nextEpisode"] is None


async def test_an_episode_by_season_and_number(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await _title(sessions, SERIES)
    async with sessions() as session:
        name = await session.scalar(
            select(Episode.name)
            .join(Season, Season.id == Episode.season_id)
            .where(Season.title_id == title.id, Season.number == 2, Episode.number == 3)
        )
    query = """query($slug: String!) { title(slug: $slug) {
      found: episode(season: 2, number: 3) { name number seasonNumber season { number } }
      noSuchSeason: episode(season: 99, number: 1) { name }
      noSuchNumber: episode(season: 1, number: 999) { name } } }"""
    answer = data(await graphql(query, {"slug": SERIES}))["title"]
    assert answer == {
        "found": {"name": name, "number": 3, "seasonNumber": 2, "season": {"number": 2}},
        "noSuchSeason": None,
        "noSuchNumber": None,
    }


async def test_upcoming_airings_are_the_titles_unfinished_airings_in_the_region_by_start(
    graphql: GraphQL,
) -> None:
    answer = data(await graphql(SERIES_PAGE, {"slug": SERIES}))["title"]["upcomingAirings"]
    starts = [edge["node"]["startsAt"] for edge in answer["edges"]]
    assert starts == sorted(starts)
    assert answer["totalCount"] >= len(starts)
    query = """{ title(slug: "i-love-lucy-1951") { upcomingAirings(region: "IS") { totalCount } }
      bad: title(slug: "i-love-lucy-1951") { upcomingAirings(region: "XX") { totalCount } } }"""
    body = await graphql(query)
    assert body["data"]["title"]["upcomingAirings"]["totalCount"] == 0
    assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.fixture(scope="module")
async def lucy_ids(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session, session.begin():
        title_id = await session.scalar(select(Title.id).where(Title.slug == SERIES))
        assert title_id is not None
        for source, value in (
            (ExternalSource.IMDB, "tt0043208"),
            (ExternalSource.TMDB, "1234"),
            (ExternalSource.WIKIDATA, "Q1414"),
        ):
            session.add(TitleExternalId(source=source, value=value, title_id=title_id))
        return title_id


async def test_external_ids_are_an_object_with_numbers_for_tmdb_and_tvmaze(
    graphql: GraphQL, lucy_ids: int
) -> None:
    query = """{ lucy: title(slug: "i-love-lucy-1951") { externalIds { imdb tmdb tvmaze wikidata } }
      other: title(slug: "refusenik-2007") { externalIds { imdb tmdb } } }"""
    answer = data(await graphql(query))
    assert answer["lucy"]["externalIds"] == {
        "imdb": "tt0043208",
        "tmdb": 1234,
        "tvmaze": None,
        "wikidata": "Q1414",
    }
    assert answer["other"]["externalIds"] == {"imdb": None, "tmdb": None}


@pytest.mark.parametrize(
    ("source", "value", "found"),
    [
        ("IMDB", "tt0043208", True),
        ("TMDB", "1234", True),
        ("IMDB", "tt9999999", False),
        ("TVMAZE", "1234", False),
        ("WIKIDATA", "Q1414", True),
    ],
)
async def test_a_title_by_its_external_id(
    graphql: GraphQL, lucy_ids: int, source: str, value: str, found: bool
) -> None:
    query = BY_EXTERNAL_ID
    answer = data(await graphql(query, {"s": source, "id": value}))["titleByExternalId"]
    assert answer == ({"slug": SERIES} if found else None)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("IMDB", "0043208"),
        ("IMDB", "nm0000151"),
        ("IMDB", "tt12"),
        ("TMDB", "abc"),
        ("TMDB", "0"),
        ("WIKIDATA", "1414"),
        ("TVMAZE", ""),
    ],
)
async def test_a_malformed_external_id_is_refused(
    graphql: GraphQL, source: str, value: str
) -> None:
    query = BY_EXTERNAL_ID
    body = await graphql(query, {"s": source, "id": value})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "id"


async def test_a_series_title_page_is_one_statement(
    graphql: GraphQL, count_statements: StatementCounter, engine: AsyncEngine
) -> None:
    await graphql(SERIES_PAGE, {"slug": SERIES})  # the document's plan is learned
    count_statements.statements.clear()
    answer = data(await graphql(SERIES_PAGE, {"slug": SERIES}))["title"]
    assert answer["seasons"] and answer["poster"]
    reads = [s for s in count_statements.statements if not _session_setup(s)]
    assert len(reads) == 1, count_statements.statements


def _session_setup(statement: str) -> bool:
    return not statement.lstrip().upper().startswith(("SELECT", "WITH"))


async def test_people_show_photos_external_ids_and_years(graphql: GraphQL) -> None:
    query = """{ titles(first: 20) { edges { node { credits(first: 3) { edges { node {
      person { name birthYear deathYear photo { kind url(width: 100) } externalIds { imdb } }
    } } } } } } providers { slug logo { kind url } } }"""
    answer = data(await graphql(query))
    people = [
        edge["node"]["person"]
        for title in answer["titles"]["edges"]
        for edge in title["node"]["credits"]["edges"]
    ]
    photos = [person["photo"] for person in people if person["photo"]]
    assert photos and {photo["kind"] for photo in photos} == {"PHOTO"}
    logos = [provider["logo"] for provider in answer["providers"] if provider["logo"]]
    assert logos and {logo["kind"] for logo in logos} == {"LOGO"}
