"""No N+1: the SQL a request runs depends on the query's shape, not on row counts."""

import asyncio
import sqlite3

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import StatementCounter
from tests.helpers import GraphQL, data

NESTED_TITLES = """
query Browse($first: Int!) {
  titles(first: $first) {
    totalCount
    edges { node {
      id name criticRating audioLanguages subtitleLanguages
      genres { slug }
      synopsis { truncated(maxLength: 120) { text } }
      reviews(first: 2) {
        totalCount edges { node { reviewer rating body { truncated { text } } } }
      }
      credits(first: 5) {
        totalCount edges { node { role order person { name credits(first: 1) { totalCount } } } }
      }
      offers(region: "US") { monetization price { amount } provider { name } }
      availableToStream(region: "GB")
    } }
  }
}
"""


async def _statements_for(graphql: GraphQL, counter: StatementCounter, first: int) -> int:
    counter.statements.clear()
    titles = data(await graphql(NESTED_TITLES, {"first": first}))["titles"]
    assert len(titles["edges"]) == first
    return len(counter)


async def test_nested_titles_query_runs_as_many_statements_at_5_as_at_100(
    graphql: GraphQL, count_statements: StatementCounter, engine: AsyncEngine
) -> None:
    await _statements_for(graphql, count_statements, 1)  # the document's plan is learned
    small = await _statements_for(graphql, count_statements, 5)
    large = await _statements_for(graphql, count_statements, 100)
    assert small == large, count_statements.statements
    if engine.dialect.name == "postgresql" or sqlite3.sqlite_version_info >= (3, 51):
        assert large == 1  # the whole document is one planned statement
    else:
        # Four lists deep overflows an old SQLite's parser stack (3.40's): the
        # reference resolvers answer, one statement per field of the document.
        assert large <= 21


async def test_a_title_page_with_every_field_is_a_handful_of_statements(
    graphql: GraphQL, count_statements: StatementCounter
) -> None:
    body = await graphql(
        """{ title(slug: "refusenik-2007") {
            genres { name } criticRating audioLanguages
            reviews { totalCount edges { node { reviewer } } }
            credits { totalCount edges { node { person { name } } } }
            offers(region: "US") { provider { name } } availableToStream(region: "US") } }"""
    )
    assert data(body)["title"]["genres"] == [{"name": "Documentary"}]
    assert len(count_statements) <= 12, count_statements.statements


async def test_concurrent_requests_each_get_their_own_sessions(graphql: GraphQL) -> None:
    async def page(first: int) -> int:
        titles = data(await graphql(NESTED_TITLES, {"first": first}))["titles"]
        return len(titles["edges"])

    sizes = [1, 7, 20, 3, 11, 9] * 2
    assert await asyncio.gather(*(page(size) for size in sizes)) == sizes
