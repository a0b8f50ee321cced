"""Ranked full-text search over title names and synopses, per engine.

User text never reaches the query language: it is reduced to letter/digit
words, each quoted (SQLite FTS5) or passed as a plain lexeme (PostgreSQL), so
operators, quotes, `%` or NUL in the input only ever match literally or not at all.
"""

from collections.abc import Sequence
from typing import Any

import regex
from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import BadUserInput
from models import Title

MAX_SEARCH_LENGTH = 200
SEARCH_LIST = "SEARCH"  # search cursors hold a position in the ranking
# The SQLite FTS5 index (created by the migrations, not a model).
_fts = table("title_search", column("rowid"))
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_VECTOR: ColumnClause[Any] = literal_column("titles.search_vector")


def search_terms(text_: str) -> list[str]:
    if len(text_) > MAX_SEARCH_LENGTH:
        raise BadUserInput(
            f"Search text is {len(text_)} characters long; the limit is {MAX_SEARCH_LENGTH}.",
            argument="text",
        )
    return _WORD.findall(text_.lower())


def _fts5_query(terms: Sequence[str]) -> str:
    # The last word is a prefix, so results appear while the user is typing.
    quoted = [f'"{term}"' for term in terms]
    return " ".join(quoted) + "*"


def tsquery_text(terms: Sequence[str]) -> str:
    """PostgreSQL's query for `terms`: all of them, the last one as a prefix."""
    words = [*terms[:-1], f"{terms[-1]}:*"]
    return " & ".join(words)


def postgres_match(
    query_text: ColumnElement[str],
) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """Titles matching a `tsquery_text`, and a rank where lower sorts first
    (`title_search_rank`, migration 0005: an integer, so ties are exact)."""
    query = _tsquery(query_text)
    return _VECTOR.op("@@")(query), -func.title_search_rank(_VECTOR, query)


def postgres_best(
    query_text: ColumnElement[str], wanted: ColumnElement[int]
) -> ColumnElement[bool]:
    """Titles among the `wanted` best matches of a `tsquery_text`: read from the
    head of the title_search_terms index instead of ranking every match."""
    best = select(func.title_search_top(_tsquery(query_text), wanted))
    return literal_column("titles.id").in_(best.scalar_subquery())


def _tsquery(query_text: ColumnElement[str]) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column("'english'"), query_text)


def _matches(
    dialect: str, terms: Sequence[str], wanted: int | None = None
) -> tuple[Select[Any], ColumnElement[Any]]:
    """Titles matching every term (the `wanted` best ones, if given), with a rank
    where lower sorts first."""
    if dialect == "postgresql":
        query_text = bindparam("q", tsquery_text(terms))
        condition, rank = postgres_match(query_text)
        if wanted is not None:
            condition = postgres_best(query_text, literal(wanted))
        return select(Title).where(condition), rank
    # bm25() is lower for better matches; a name hit weighs ten times a synopsis hit.
    rank = literal_column("bm25(title_search, 10.0, 1.0)")
    stmt = (
        select(Title)
        .join(_fts, _fts.c.rowid == Title.id)
        .where(literal_column("title_search").op("MATCH")(bindparam("q", _fts5_query(terms))))
    )
    return stmt, rank


async def search_page(
    session: AsyncSession, terms: Sequence[str], first: int, offset: int
) -> tuple[list[Title], bool]:
    """Titles ranked best first; one more than `first` is fetched to tell if more exist."""
    if not terms:
        return [], False
    stmt, rank = _matches(session.bind.dialect.name, terms, wanted=offset + first + 1)
    stmt = stmt.order_by(rank, Title.id).limit(first + 1).offset(offset)
    rows: list[Title] = list((await session.execute(stmt)).scalars())
    return rows[:first], len(rows) > first


async def search_count(session: AsyncSession, terms: Sequence[str]) -> int:
    if not terms:
        return 0
    stmt, _ = _matches(session.bind.dialect.name, terms)
    counted = stmt.with_only_columns(func.count()).select_from(Title)
    return int(await session.scalar(counted) or 0)
