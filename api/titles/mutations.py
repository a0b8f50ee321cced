"""createTitle, updateTitle, deleteTitle: editors' writes, each one transaction."""

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

import strawberry
from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.core import validation
from api.core.arguments import OMITTED
from api.core.context import Info
from api.core.errors import Conflict, NotFound, shown
from api.core.response_cache import LISTS, title_tag
from api.core.writes import check_write, free_slugs, ids_by_slug, slug_of, title_pk
from api.titles.types import Title
from models import ApiKeyRole, Genre, LanguageUse, TitleGenre, TitleKind, TitleLanguage
from models import Title as TitleRow
from models.columns import table_of, utc_now

# The years of the `year_range` CHECK, and the release dates within them.
FIRST_YEAR, LAST_YEAR = 1870, 2100
RELEASE_DATES = (date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31))
# A generated slug that another write takes meanwhile is generated again, this often.
SLUG_ATTEMPTS = 3


@strawberry.input
class CreateTitleInput:
    name: str
    kind: TitleKind
    slug: str | None = strawberry.field(
        default=None, description="Defaults to the name and year, e.g. refusenik-2007."
    )
    year: int | None = None
    release_date: date | None = None
    content_rating: str | None = None
    runtime_minutes: int | None = None
    original_language: str | None = None
    audio_languages: list[str] = strawberry.field(default_factory=list)
    subtitle_languages: list[str] = strawberry.field(default_factory=list)
    genres: list[str] = strawberry.field(default_factory=list, description="Genre slugs.")
    synopsis: str | None = None


@strawberry.input(description="Fields left out stay as they are; null clears a nullable one.")
class UpdateTitleInput:
    expected_version: int = strawberry.field(
        description="The `version` the edit is based on; a newer one is a CONFLICT."
    )
    name: str | None = OMITTED
    kind: TitleKind | None = OMITTED
    slug: str | None = OMITTED
    year: int | None = OMITTED
    release_date: date | None = OMITTED
    content_rating: str | None = OMITTED
    runtime_minutes: int | None = OMITTED
    original_language: str | None = OMITTED
    audio_languages: list[str] | None = OMITTED
    subtitle_languages: list[str] | None = OMITTED
    genres: list[str] | None = OMITTED
    synopsis: str | None = OMITTED


REQUIRED = ("name", "kind", "slug", "audio_languages", "subtitle_languages", "genres")
RELATIONS = ("audio_languages", "subtitle_languages", "genres")


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Validated values of the fields given (camelCase names in messages)."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: validation.text("name", v, 300),
        "slug": lambda v: validation.slug("slug", v),
        "year": lambda v: validation.number("year", v, FIRST_YEAR, LAST_YEAR),
        "release_date": lambda v: validation.day("releaseDate", v, *RELEASE_DATES),
        "content_rating": lambda v: validation.text("contentRating", v, 16),
        "runtime_minutes": lambda v: validation.number("runtimeMinutes", v, 1, 2000),
        "original_language": lambda v: validation.language("originalLanguage", v),
        "audio_languages": lambda v: validation.languages("audioLanguages", v),
        "subtitle_languages": lambda v: validation.languages("subtitleLanguages", v),
        "synopsis": lambda v: validation.text("synopsis", v, 20_000, multiline=True),
        "genres": lambda v: sorted(set(v)),
    }
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        if value is OMITTED:
            continue
        if value is None:
            if name in REQUIRED:
                raise validation.invalid(_camel(name), "must not be null")
            checked[name] = None
        else:
            checked[name] = checks[name](value) if name in checks else value
    return checked


def _default_slug(name: str, year: int | None) -> str:
    """Like the curated catalogue's slugs: "refusenik-2007" ("title-2007" for a name
    with no ASCII letter or digit); `free_slugs` makes it unique."""
    words = slug_of(name, 110) or "title"
    return f"{words}-{year}" if year is not None else words


def _check_release_year(
    year: int | None, release_date: date | None, values: dict[str, Any]
) -> None:
    """A release date falls in the title's year; the field named is the one being set."""
    if not {"year", "release_date"} & values.keys():
        return
    if year is None or release_date is None or release_date.year == year:
        return
    if "release_date" in values:
        problem = f"must fall in the title's year {year}, got {release_date}"
        raise validation.invalid("releaseDate", problem)
    raise validation.invalid("year", f"must be the year of the release date {release_date}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def _replace_relations(session: AsyncSession, title_id: int, values: dict[str, Any]) -> None:
    for use, field in (
        (LanguageUse.AUDIO, "audio_languages"),
        (LanguageUse.SUBTITLE, "subtitle_languages"),
    ):
        if field in values:
            await session.execute(
                delete(TitleLanguage).where(
                    col(TitleLanguage.title_id) == title_id, col(TitleLanguage.use) == use
                )
            )
            rows = [
                {"title_id": title_id, "use": use, "language": language, "position": position}
                for position, language in enumerate(values[field])
            ]
            if rows:
                await session.execute(insert(table_of(TitleLanguage)), rows)
    if "genres" in values:
        found = await ids_by_slug(session, Genre, values["genres"])
        unknown = sorted(set(values["genres"]) - set(found))
        if unknown:
            raise validation.invalid(
                "genres", f"has unknown genre slugs {shown(', '.join(unknown))}"
            )
        await session.execute(delete(TitleGenre).where(col(TitleGenre.title_id) == title_id))
        if found:
            await session.execute(
                insert(table_of(TitleGenre)),
                [{"title_id": title_id, "genre_id": genre_id} for genre_id in found.values()],
            )


def _slug_taken(error: IntegrityError) -> bool:
    message = str(error.orig)
    return "uq_titles_slug" in message or "titles.slug" in message


@strawberry.type
class TitleMutation:
    @strawberry.mutation(description="Needs an editor key.")
    async def create_title(self, info: Info, input: CreateTitleInput) -> Title:
        await check_write(info, ApiKeyRole.EDITOR)
        fields = asdict(input)
        generated = input.slug is None
        if generated:
            fields["slug"] = _default_slug(validation.text("name", input.name, 300), input.year)
        values = _checked(fields)
        _check_release_year(values["year"], values["release_date"], values)
        columns = {k: v for k, v in values.items() if k not in RELATIONS}
        for attempt in range(1, SLUG_ATTEMPTS + 1):
            try:
                async with info.context.sessions() as session, session.begin():
                    if generated:
                        [columns["slug"]] = await free_slugs(session, TitleRow, [values["slug"]])
                    row = TitleRow(**columns)
                    session.add(row)
                    await session.flush()
                    assert row.id is not None
                    await _replace_relations(session, row.id, values)
                break
            except IntegrityError as error:
                # A slug we generated that a concurrent write took first is generated again.
                if not _slug_taken(error):
                    raise
                if not generated or attempt == SLUG_ATTEMPTS:
                    raise validation.invalid("slug", f"{shown(columns['slug'])} is taken") from None
        await info.context.invalidate(LISTS)
        return Title.from_row(row)

    @strawberry.mutation(description="Needs an editor key; refuses a stale `expectedVersion`.")
    async def update_title(self, info: Info, id: strawberry.ID, input: UpdateTitleInput) -> Title:
        await check_write(info, ApiKeyRole.EDITOR)
        pk = title_pk(id, "id")
        values = _checked({k: v for k, v in asdict(input).items() if k != "expected_version"})
        columns = {k: v for k, v in values.items() if k not in RELATIONS}
        try:
            async with info.context.sessions() as session, session.begin():
                stmt = (
                    update(TitleRow)
                    .where(col(TitleRow.id) == pk, col(TitleRow.version) == input.expected_version)
                    .values(**columns, version=TitleRow.version + 1, updated_at=utc_now())
                    .returning(TitleRow)
                )
                row = (await session.execute(stmt)).scalar_one_or_none()
                if row is None:
                    current = await session.scalar(
                        select(col(TitleRow.version)).where(col(TitleRow.id) == pk)
                    )
                    if current is None:
                        raise NotFound(f"No title with ID {shown(id)}.", argument="id")
                    raise Conflict(
                        f"The title is at version {current}, not {input.expected_version}: "
                        "reload it and apply the edit again.",
                        currentVersion=current,
                    )
                _check_release_year(row.year, row.release_date, values)
                await _replace_relations(session, pk, values)
        except IntegrityError as error:
            if _slug_taken(error):
                raise validation.invalid("slug", f"{shown(values['slug'])} is taken") from None
            raise
        await info.context.invalidate(title_tag(pk), LISTS)
        return Title.from_row(row)

    @strawberry.mutation(description="Needs an editor key; returns the deleted title's ID.")
    async def delete_title(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        await check_write(info, ApiKeyRole.EDITOR)
        pk = title_pk(id, "id")
        async with info.context.sessions() as session, session.begin():
            deleted = await session.execute(delete(TitleRow).where(col(TitleRow.id) == pk))
        assert isinstance(deleted, CursorResult)
        if deleted.rowcount == 0:
            raise NotFound(f"No title with ID {shown(id)}.", argument="id")
        await info.context.invalidate(title_tag(pk), LISTS)
        return id
