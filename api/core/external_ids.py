"""The ExternalIds object of titles and people: their ids in other databases."""

from typing import Any

import strawberry
from sqlalchemy import ColumnElement, Table, select

from api.core.errors import BadUserInput
from api.planning.declare import planned
from api.planning.fields import Value
from api.planning.pages import Row
from models import ExternalSource, Owner, check_external_id

strawberry.enum(ExternalSource)


@strawberry.type(description="Ids of the same thing in other databases; null when unknown.")
class ExternalIds:
    imdb: str | None = strawberry.field(description='e.g. "tt0111161" or "nm0000151"')
    tmdb: int | None
    tvmaze: int | None
    wikidata: str | None = strawberry.field(description='e.g. "Q172241"')


def _number(value: str | None) -> int | None:
    return None if value is None else int(value)


def _external_ids(values: tuple[str | None, ...]) -> ExternalIds:
    imdb, tmdb, tvmaze, wikidata = values
    return ExternalIds(imdb=imdb, tmdb=_number(tmdb), tvmaze=_number(tvmaze), wikidata=wikidata)


def external_ids(table: Table, owner_column: str) -> Any:
    """The `externalIds` field of the rows `table` holds ids of."""

    def value(source: ExternalSource) -> Any:
        def of(owner: Row) -> ColumnElement[Any]:
            ids = table.alias()
            return (
                select(ids.c.value)
                .where(ids.c[owner_column] == owner.c.id, ids.c.source == source)
                .scalar_subquery()
            )

        return of

    sources = (ExternalSource.IMDB, ExternalSource.TMDB, ExternalSource.TVMAZE)
    readers = [value(source) for source in (*sources, ExternalSource.WIKIDATA)]
    return planned(Value(lambda row, _args: tuple(read(row) for read in readers), _external_ids))


def checked_id(owner: Owner) -> Any:
    """`convert` of (source, id) arguments: the id, if it has the source's shape."""

    def check(values: tuple[ExternalSource, str]) -> str:
        source, value = values
        try:
            return check_external_id(owner, source, value)
        except ValueError as error:
            raise BadUserInput(str(error), argument="id") from None

    return check
