"""Root fields for titles: one by slug, filtered lists, full-text search, genres."""

import strawberry
from sqlalchemy import func, select

from api.arguments import OMITTED, given
from api.connection import Connection
from api.context import Info
from api.pagination import (
    Cursor,
    Page,
    decode_cursor,
    fetch_page,
    invalid_cursor,
    validate_first,
)
from api.response_cache import LISTS, depends_on
from api.titles.filters import TitleFilter
from api.titles.search import SEARCH_LIST, search_count, search_page, search_terms
from api.titles.sorters import ORDERINGS, TitleOrder
from api.titles.types import Genre, Title
from models import Genre as GenreRow
from models import Title as TitleRow
from models.columns import utc_now


@strawberry.type
class TitleQuery:
    @strawberry.field(description="The title with this slug; null when there is none.")
    async def title(self, info: Info, slug: str) -> Title | None:
        async with info.context.reads() as session:
            row = await session.scalar(select(TitleRow).where(TitleRow.slug == slug))
        if row is None:
            depends_on(LISTS)  # a title created with this slug must not stay hidden
            return None
        return Title.from_row(row)

    @strawberry.field
    async def titles(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = OMITTED,
        filter: TitleFilter | None = OMITTED,
        order_by: TitleOrder | None = TitleOrder.RELEASED_DESC,
    ) -> Connection[Title]:
        size = validate_first(20 if first is None else first)
        ordering = ORDERINGS[order_by or TitleOrder.RELEASED_DESC]
        cursor = None if given(after) is None else ordering.decode_cursor(after)
        depends_on(LISTS)
        condition = (given(filter) or TitleFilter()).condition(utc_now())
        sessions = info.context.reads
        async with sessions() as session:
            page = await fetch_page(
                session, select(TitleRow).where(condition), ordering, size, cursor
            )

        async def count() -> int:
            async with sessions() as session:
                total = await session.scalar(
                    select(func.count()).select_from(TitleRow).where(condition)
                )
            return int(total or 0)

        return Connection.from_page(page, Title.from_row, count)

    @strawberry.field(description="Titles whose name or synopsis match `text`, best first.")
    async def search(
        self, info: Info, text: str, first: int | None = 20, after: str | None = OMITTED
    ) -> Connection[Title]:
        size = validate_first(20 if first is None else first)
        offset = 0 if given(after) is None else _search_offset(after)
        depends_on(LISTS)
        terms = search_terms(text)
        sessions = info.context.reads
        async with sessions() as session:
            rows, has_next = await search_page(session, terms, size, offset)
        page = Page(
            [(row, Cursor(SEARCH_LIST, (offset + i + 1,))) for i, row in enumerate(rows)],
            has_next,
            offset > 0,
        )

        async def count() -> int:
            async with sessions() as session:
                return await search_count(session, terms)

        return Connection.from_page(page, Title.from_row, count)

    @strawberry.field(description="Every genre, by name.")
    async def genres(self, info: Info) -> list[Genre]:
        depends_on(LISTS)
        async with info.context.reads() as session:
            rows = (await session.execute(select(GenreRow).order_by(GenreRow.name))).scalars()
            return [Genre.from_row(row) for row in rows]


def _search_offset(after: str) -> int:
    (offset,) = decode_cursor(after, SEARCH_LIST, 1)
    if type(offset) is not int or offset < 0:
        raise invalid_cursor(after)
    return offset
