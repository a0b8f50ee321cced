"""People, credits (roles, billing order, filmography) and the genre list."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Credit, CreditRole, Person
from tests.factories import make_title, unique
from tests.helpers import GraphQL, data

PERSON = """query($slug: String!, $first: Int, $after: String) {
  person(slug: $slug) {
    id slug name
    credits(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { role character order title { slug year } } }
    }
  }
}"""

CREDITS = """query($slug: String!, $roles: [CreditRole!], $first: Int, $after: String) {
  title(slug: $slug) {
    credits(roles: $roles, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { role character order person { slug } } }
    }
  }
}"""


async def _cast(
    sessions: async_sessionmaker[AsyncSession], years: list[int]
) -> tuple[Person, list[str]]:
    """A person credited on one new title per year; returns the person and title slugs."""
    async with sessions() as session, session.begin():
        person = Person(slug=unique("actor"), name="Test Actor")
        session.add(person)
    slugs = []
    for year in years:
        title = await make_title(sessions, year=year)
        async with sessions() as session, session.begin():
            session.add(
                Credit(
                    title_id=title.id,
                    person_id=person.id,
                    role=CreditRole.CAST,
                    character=f"Role {year}",
                    position=0,
                )
            )
        slugs.append(title.slug)
    return person, slugs


async def test_a_persons_credits_list_newest_titles_first_across_pages(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    person, slugs = await _cast(sessions, [1990, 2010, 2000])
    first = data(await graphql(PERSON, {"slug": person.slug, "first": 2}))["person"]
    assert first["name"] == "Test Actor"
    assert first["credits"]["totalCount"] == 3
    years = [edge["node"]["title"]["year"] for edge in first["credits"]["edges"]]
    assert years == [2010, 2000]
    assert first["credits"]["pageInfo"]["hasNextPage"] is True
    after = first["credits"]["pageInfo"]["endCursor"]
    rest = data(await graphql(PERSON, {"slug": person.slug, "first": 2, "after": after}))
    last = rest["person"]["credits"]
    assert [edge["node"]["title"]["slug"] for edge in last["edges"]] == [slugs[0]]
    assert last["edges"][0]["node"]["character"] == "Role 1990"
    assert last["pageInfo"]["hasNextPage"] is False


async def test_unknown_person_is_null(graphql: GraphQL) -> None:
    assert data(await graphql(PERSON, {"slug": "nobody-at-all"})) == {"person": None}


async def test_title_credits_come_in_billing_order_and_filter_by_role(graphql: GraphQL) -> None:
    variables = {"slug": "the-godfather-1972", "first": 100}
    everyone = data(await graphql(CREDITS, variables))["title"]["credits"]
    orders = [edge["node"]["order"] for edge in everyone["edges"]]
    assert orders == sorted(orders) and everyone["totalCount"] == len(orders) > 4
    cast = data(await graphql(CREDITS, {**variables, "roles": ["CAST"]}))["title"]["credits"]
    assert {edge["node"]["role"] for edge in cast["edges"]} == {"CAST"}
    assert cast["totalCount"] == len(cast["edges"]) < everyone["totalCount"]
    assert all(edge["node"]["character"] for edge in cast["edges"])
    crew = await graphql(CREDITS, {**variables, "roles": ["DIRECTOR", "WRITER"]})
    assert {e["node"]["role"] for e in data(crew)["title"]["credits"]["edges"]} == {
        "DIRECTOR",
        "WRITER",
    }


async def test_credit_pages_continue_after_the_cursor(graphql: GraphQL) -> None:
    variables = {"slug": "the-godfather-1972"}
    whole = data(await graphql(CREDITS, {**variables, "first": 100}))["title"]["credits"]
    first = data(await graphql(CREDITS, {**variables, "first": 3}))["title"]["credits"]
    after = first["pageInfo"]["endCursor"]
    rest = data(await graphql(CREDITS, {**variables, "first": 100, "after": after}))
    paged = first["edges"] + rest["title"]["credits"]["edges"]
    assert paged == whole["edges"]


async def test_reviews_are_newest_first_and_link_back_to_their_title(graphql: GraphQL) -> None:
    body = await graphql(
        """{ titles(first: 100) { edges { node { slug reviews(first: 10) {
             edges { node { publishedAt title { slug } } } } } } } }"""
    )
    for edge in data(body)["titles"]["edges"]:
        reviews = [review["node"] for review in edge["node"]["reviews"]["edges"]]
        assert all(review["title"]["slug"] == edge["node"]["slug"] for review in reviews)
        dates = [date.fromisoformat(r["publishedAt"]) for r in reviews if r["publishedAt"]]
        assert dates == sorted(dates, reverse=True)


async def test_genres_lists_every_genre_by_name(graphql: GraphQL) -> None:
    genres = data(await graphql("{ genres { slug name } }"))["genres"]
    names = [genre["name"] for genre in genres]
    assert names == sorted(names)
    assert {"slug": "documentary", "name": "Documentary"} in genres
    assert len(genres) >= 20
