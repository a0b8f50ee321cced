"""Full-text search: ranked, paginated, and safe with any input."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import make_title, unique
from tests.helpers import GraphQL, data, error_codes

SEARCH = """query($text: String!, $first: Int, $after: String) {
  search(text: $text, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { slug name } }
  }
}"""


async def _search(graphql: GraphQL, text: str, **variables: object) -> dict:
    return data(await graphql(SEARCH, {"text": text, **variables}))["search"]


async def test_finds_the_example_title_by_words_of_its_synopsis(graphql: GraphQL) -> None:
    found = await _search(graphql, "Soviet emigration refuseniks")
    assert "refusenik-2007" in [edge["node"]["slug"] for edge in found["edges"]]


async def test_a_name_match_ranks_above_a_synopsis_match(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    word = "zanzibarquux"
    in_synopsis = await make_title(
        sessions, name="Unrelated Words", synopsis=f"Somewhere, a {word} appears once."
    )
    in_name = await make_title(sessions, name=f"The {word.title()}", synopsis="Nothing here.")
    found = await _search(graphql, word)
    slugs = [edge["node"]["slug"] for edge in found["edges"]]
    assert slugs == [in_name.slug, in_synopsis.slug]
    assert found["totalCount"] == 2


async def test_the_last_word_matches_as_a_prefix(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    title = await make_title(sessions, name="Quorblefrost Chronicles")
    found = await _search(graphql, "quorblefr")
    assert [edge["node"]["slug"] for edge in found["edges"]] == [title.slug]


async def test_search_pages_through_every_match_once(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    word = "plimsollvex"
    made = {(await make_title(sessions, name=f"{word} {n}")).slug for n in range(5)}
    seen: list[str] = []
    after = None
    while True:
        page = await _search(graphql, word, first=2, after=after)
        assert page["totalCount"] == 5
        seen += [edge["node"]["slug"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "' OR 1=1 --",
        "%",
        "_%_",
        "a\x00b",
        "NEAR(river AND -sea) OR *",
        "river:* & !sea | <->",
        "(((",
        "🎬🍿",
        "",
        "   ",
        "é" * 200,
    ],
)
async def test_odd_input_is_answered_without_an_error(graphql: GraphQL, text: str) -> None:
    body = await graphql(SEARCH, {"text": text})
    assert "errors" not in body, body
    assert body["data"]["search"]["totalCount"] >= 0


async def test_over_long_text_is_bad_user_input(graphql: GraphQL) -> None:
    body = await graphql(SEARCH, {"text": "river " * 100})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "200" in body["errors"][0]["message"]


async def test_operators_in_input_are_plain_words(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    name = f"Or Not {unique('gribblewort')}"
    title = await make_title(sessions, name=name)
    found = await _search(graphql, "gribblewort OR NOT")
    assert [edge["node"]["slug"] for edge in found["edges"]] == [title.slug]
