"""Ranked full-text search over title names and synopses, per engine.

User text never reaches the query language: it is reduced to letter/digit
words, each quoted (SQLite FTS5) or passed as a plain lexeme (PostgreSQL), so
operators, quotes, `%` or NUL in the input only ever match literally or not at all.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import regex
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    column,
    false,
    func,
    literal_column,
    select,
    table,
    true,
)

from api.core.errors import BadUserInput
from api.planning.fields import Args
from api.planning.pages import Row, SortKey, position_after, validate_first

MAX_SEARCH_LENGTH = 200
SEARCH_LIST = "SEARCH"  # search cursors hold a position in the ranking
_WORD = regex.compile(r"[\p{L}\p{N}]+")


def search_terms(text_: str) -> list[str]:
    if len(text_) > MAX_SEARCH_LENGTH:
        raise BadUserInput(
            f"Search text is {len(text_)} characters long; the limit is {MAX_SEARCH_LENGTH}.",
            argument="text",
        )
    return _WORD.findall(text_.lower())


def fts5_query(terms: Sequence[str]) -> str:
    # The last word is a prefix, so results appear while the user is typing.
    quoted = [f'"{term}"' for term in terms]
    return " ".join(quoted) + "*"


def tsquery_text(terms: Sequence[str]) -> str:
    """PostgreSQL's query for `terms`: all of them, the last one as a prefix."""
    words = [*terms[:-1], f"{terms[-1]}:*"]
    return " & ".join(words)


def _query_text(dialect: str) -> Any:
    compose = tsquery_text if dialect == "postgresql" else fts5_query
    return lambda text: compose(search_terms(text))


@functools.lru_cache(maxsize=256)
def _fts(row: Row) -> FromClause:
    """The SQLite FTS5 index of `row`'s titles (created by the migrations, not a model)."""
    return table("title_search", column("rowid"), column("title_search")).alias(f"{row.name}_fts")


def _tsquery(args: Args) -> ColumnElement[Any]:
    query = args.param("text", _query_text("postgresql"))
    return func.to_tsquery(literal_column("'english'"), query)


def _vector(row: Row) -> ColumnElement[Any]:
    return literal_column(f"{row.name}.search_vector")


def _has_terms(args: Args) -> bool:
    return bool(args.shape("text", lambda text: bool(search_terms(text))))


def matching(_parent: Row | None, row: Row, args: Args) -> ColumnElement[bool]:
    """Every title matching the search text (`search`'s totalCount)."""
    if not _has_terms(args):
        return false()
    if args.dialect == "postgresql":
        return _vector(row).op("@@")(_tsquery(args))
    return _fts(row).c.title_search.op("MATCH")(args.param("text", _query_text("sqlite")))


def best_matching(parent: Row | None, row: Row, args: Args) -> ColumnElement[bool]:
    """Only the titles a page needs. PostgreSQL reads them from the head of the
    title_search_terms index (migration 0005) instead of ranking every match; on
    SQLite `Ranked.source` joins the best ones, ranked in the index alone."""
    if not _has_terms(args):
        return false()
    if args.dialect != "postgresql":
        return true()
    best = select(func.title_search_top(_tsquery(args), _needed(args)))
    title_id: ColumnElement[int] = row.c.id
    return title_id.in_(best.scalar_subquery())


def _needed(args: Args) -> ColumnElement[int]:
    """How many of the best matches a page needs: those before it, its own and one
    more (to tell whether a next page exists)."""
    first = args.param(
        "first", lambda first: validate_first(20 if first is None else first), Integer()
    )
    offset = args.param("after", lambda after: position_after(SEARCH_LIST, after), Integer())
    return offset + first + 1


def _best(row: Row, args: Args) -> FromClause:
    """SQLite: the ids (`rowid`) and ranks of the best matches a page needs, from the
    FTS5 index alone. Ranking the whole join instead sorted every match's title row
    (synopsis and all): half the search statement's time at 800 matches."""
    fts = table("title_search", column("rowid"), column("title_search"))
    rank = _bm25(fts.c.title_search).label("rank")
    return (
        select(fts.c.rowid, rank)
        .where(fts.c.title_search.op("MATCH")(args.param("text", _query_text("sqlite"))))
        .order_by(rank, fts.c.rowid)
        .limit(_needed(args))
        .subquery(_best_name(row))
    )


def _best_name(row: Row) -> str:
    return f"{row.name}_best"


def _bm25(index: ColumnElement[Any]) -> ColumnElement[Any]:
    """Lower for better matches; a name hit weighs ten times a synopsis hit."""
    return func.bm25(index, 10.0, 1.0)


@dataclass(frozen=True)
class Ranked:
    """Best match first (rank ties by id); cursors hold positions in the ranking."""

    def name(self, args: Args) -> str:
        return SEARCH_LIST

    def keys(self, row: Row, args: Args) -> list[tuple[SortKey, ColumnElement[Any]]]:
        if not _has_terms(args):
            return [(SortKey(lambda row: row.c.id), row.c.id)]
        if args.dialect == "postgresql":
            # title_search_rank (migration 0005) is an integer, so ties are exact.
            rank: ColumnElement[Any] = -func.title_search_rank(_vector(row), _tsquery(args))
        else:  # the rank `source` joins (by name: the join is built there)
            rank = literal_column(f"{_best_name(row)}.rank")
        return [(SortKey(lambda _: rank), rank), (SortKey(lambda row: row.c.id), row.c.id)]

    def source(self, row: Row, args: Args) -> FromClause:
        titles: FromClause = row
        if args.dialect == "postgresql" or not _has_terms(args):
            return titles
        best = _best(row, args)
        return titles.join(best, best.c.rowid == row.c.id)

    def counted(self, row: Row, args: Args) -> FromClause:
        titles: FromClause = row
        if args.dialect == "postgresql" or not _has_terms(args):
            return titles
        fts = _fts(row)  # every match is counted
        return titles.join(fts, fts.c.rowid == row.c.id)

    def after(self, row: Row, args: Args) -> ColumnElement[bool] | None:
        return None

    def offset(self, args: Args) -> ColumnElement[int] | None:
        return args.param("after", lambda after: position_after(SEARCH_LIST, after))

    def position_base(self, after: str | None) -> int | None:
        return position_after(SEARCH_LIST, after)
