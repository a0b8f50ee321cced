"""PostgreSQL's ranked-search index (migration 0005): `title_search_terms` holds each
title's lexemes with the rank each alone gives it, kept by triggers on titles, and
`title_search_top` reads the best matches from it instead of ranking every match."""

import uuid
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Title, TitleKind
from tests.factories import make_title, unique

POSTINGS = "SELECT lexeme, score FROM title_search_terms WHERE title_id = :id"
# Every match ranked, best first: what title_search_top must agree with.
FULL_RANKING = """SELECT id FROM titles, to_tsquery('english', :q) AS q
    WHERE search_vector @@ q ORDER BY title_search_rank(search_vector, q) DESC, id LIMIT :k"""
TOP = "SELECT title_search_top(to_tsquery('english', :q), :k)"


@pytest.fixture(autouse=True)
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL index; SQLite ranks with its FTS5 table")


def _word() -> str:
    """A made-up word of letters only, so the stemmer keeps it whole."""
    return "zq" + "".join(chr(ord("a") + int(digit, 16)) for digit in uuid.uuid4().hex[:10])


async def _rows(sessions: async_sessionmaker[AsyncSession], sql: str, **params: Any) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(text(sql), params)).all())


async def _postings(sessions: async_sessionmaker[AsyncSession], title_id: int) -> dict[str, int]:
    return dict(await _rows(sessions, POSTINGS, id=title_id))


async def test_a_title_is_indexed_with_the_rank_each_of_its_words_gives_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # ts_rank_cd weights a name position 1.0 and a synopsis position 0.4; the
    # scores are in ten-thousandths.
    title = await make_title(
        sessions, name="Marsh Harbour", synopsis="A harbour town. The harbour at night."
    )
    assert await _postings(sessions, title.id) == {
        "marsh": 10_000,
        "harbour": 10_000 + 2 * 4_000,
        "town": 4_000,
        "night": 4_000,
    }


async def test_every_score_is_the_rank_of_a_one_word_search(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    differing = await _rows(
        sessions,
        """SELECT terms.lexeme, terms.title_id FROM title_search_terms AS terms
        JOIN titles ON titles.id = terms.title_id
        WHERE title_search_rank(titles.search_vector, quote_literal(terms.lexeme)::tsquery)
            <> terms.score""",
    )
    assert differing == []


async def test_the_index_holds_exactly_the_words_of_every_title(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    recomputed = """SELECT posting.lexeme, posting.score, titles.id
        FROM titles, title_search_postings(titles.search_vector) AS posting"""
    stored = "SELECT lexeme, score, title_id FROM title_search_terms"
    assert await _rows(sessions, f"({stored}) EXCEPT ALL ({recomputed})") == []
    assert await _rows(sessions, f"({recomputed}) EXCEPT ALL ({stored})") == []


async def test_renaming_a_title_reindexes_it(sessions: async_sessionmaker[AsyncSession]) -> None:
    title = await make_title(sessions, name="Old Lighthouse", synopsis="Waves.")
    async with sessions() as session, session.begin():
        renamed = update(Title).where(Title.id == title.id)  # type: ignore[arg-type]
        await session.execute(renamed.values(name="New Lighthouse", synopsis="Gulls."))
    assert await _postings(sessions, title.id) == {
        "new": 10_000,
        "lighthous": 10_000,
        "gull": 4_000,
    }


async def test_updates_that_keep_the_text_leave_the_postings_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    title = await make_title(sessions, synopsis="A quiet river.")
    versions = "SELECT xmin::text FROM title_search_terms WHERE title_id = :id ORDER BY lexeme"
    before = await _rows(sessions, versions, id=title.id)
    async with sessions() as session, session.begin():
        rated = update(Title).where(Title.id == title.id)  # type: ignore[arg-type]
        await session.execute(rated.values(critic_rating=4.5))
    assert await _rows(sessions, versions, id=title.id) == before


async def test_deleting_a_title_removes_its_postings(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    title = await make_title(sessions, synopsis="Gone tomorrow.")
    async with sessions() as session, session.begin():
        await session.delete(await session.get(Title, title.id))
    assert await _postings(sessions, title.id) == {}


async def test_truncating_the_titles_empties_the_index(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(text("TRUNCATE titles CASCADE"))
        left = await session.scalar(text("SELECT count(*) FROM title_search_terms"))
        await session.rollback()
    assert left == 0


async def test_the_best_matches_are_the_head_of_the_full_ranking(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Two lexemes that share a prefix, each in more titles than a first read of
    # 64 postings, in ties at every rank: title_search_top has to read deeper.
    word, longer = _word(), _word()
    longer = word + longer[2:]
    synopses = (
        [f"Once {word}." for _ in range(150)]
        + [f"{word} and {word} again." for _ in range(40)]
        + [f"Only {longer}." for _ in range(80)]
        + [f"Both {word} and {longer}." for _ in range(30)]
    )
    names = [f"The {word.title()} {n}" for n in range(10)] + [f"{longer.title()}"] * 5
    async with sessions() as session, session.begin():
        session.add_all(
            Title(slug=unique("ranked"), name=name, kind=TitleKind.MOVIE, synopsis="")
            for name in names
        )
        session.add_all(
            Title(slug=unique("ranked"), name="Untitled", kind=TitleKind.MOVIE, synopsis=synopsis)
            for synopsis in synopses
        )
    queries = [f"{word}:*", word, f"{longer}:*", f"{word} & {longer}:*", "zq:*"]
    for query in queries:
        for wanted in (1, 20, 21, 64, 65, 100, 229, 400):
            full = [row.id for row in await _rows(sessions, FULL_RANKING, q=query, k=wanted)]
            top = [row[0] for row in await _rows(sessions, TOP, q=query, k=wanted)]
            assert sorted(top) == sorted(full), (query, wanted)
