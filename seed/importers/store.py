"""Row-by-row upserts shared by the importers and the seed: match, insert or update
only what changed, and say which happened (so a second import changes nothing)."""

from collections.abc import Mapping
from typing import Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Image, ImageKind, ImageRendition, Title
from models.columns import id_column, utc_now
from models.external_ids import EXTERNAL_ID_TABLES, ExternalSource, Owner, check_external_id
from seed.importers.summary import ImportSummary, MalformedRow, Outcome

OWNER_COLUMN = {Owner.TITLE: "title_id", Owner.EPISODE: "episode_id", Owner.PERSON: "person_id"}


class Identified(Protocol):
    """A table with an integer primary key `id` (None only before the insert)."""

    id: int | None


async def upsert(
    session: AsyncSession,
    table: type[Identified],
    key: Mapping[str, object],
    values: Mapping[str, object],
) -> tuple[int, Outcome]:
    """The id of the row matching `key`, inserted with `values` or updated to them."""
    where = [getattr(table, column) == value for column, value in key.items()]
    query = select(table).where(*where).execution_options(populate_existing=True)
    found = (await session.execute(query)).scalars().first()
    if found is None:
        inserted = insert(table).values({**key, **values}).returning(id_column(table.id))
        return (await session.execute(inserted)).scalar_one(), "created"
    assert found.id is not None
    changed = {column: value for column, value in values.items() if getattr(found, column) != value}
    if changed:
        await session.execute(update(table).where(col(table.id) == found.id).values(**changed))
    return found.id, "updated" if changed else "unchanged"


async def update_title(
    session: AsyncSession, title_id: int, values: Mapping[str, object]
) -> Outcome:
    """Like `upsert`'s update, and a changed title gets a new version for editors."""
    found = await session.get_one(Title, title_id, populate_existing=True)
    changed = {column: value for column, value in values.items() if getattr(found, column) != value}
    if not changed:
        return "unchanged"
    await session.execute(
        update(Title)
        .where(col(Title.id) == title_id)
        .values(**changed, version=col(Title.version) + 1, updated_at=utc_now())
    )
    return "updated"


async def find_by_external_id(
    session: AsyncSession, owner: Owner, source: ExternalSource, value: str
) -> int | None:
    table = EXTERNAL_ID_TABLES[owner]
    column = getattr(table, OWNER_COLUMN[owner])
    found = await session.scalar(
        select(column).where(col(table.source) == source, col(table.value) == value)
    )
    return None if found is None else int(found)


async def set_external_id(
    session: AsyncSession, owner: Owner, owner_id: int, source: ExternalSource, value: str
) -> Outcome:
    """Give the owner this id of the source (replacing another it had); MalformedRow
    when the value is malformed or already another owner's."""
    check_external_id(owner, source, value)
    holder = await find_by_external_id(session, owner, source, value)
    if holder == owner_id:
        return "unchanged"
    if holder is not None:
        raise MalformedRow(f"{source.value} id {value} already belongs to another {owner.value}")
    table = EXTERNAL_ID_TABLES[owner]
    column = OWNER_COLUMN[owner]
    had = await session.scalar(
        select(col(table.value)).where(
            getattr(table, column) == owner_id, col(table.source) == source
        )
    )
    if had is not None:
        await session.execute(
            update(table)
            .where(getattr(table, column) == owner_id, col(table.source) == source)
            .values(value=value)
        )
        return "updated"
    await session.execute(insert(table).values(source=source, value=value, **{column: owner_id}))
    return "created"


async def upsert_image(
    session: AsyncSession,
    summary: ImportSummary,
    kind: ImageKind,
    owner: Mapping[str, int],
    size: tuple[int, int],
    path: str,
    renditions: Mapping[str, tuple[int, int]] = {},
    position: int = 0,
) -> int:
    """An image matched by its path, with its renditions (path: (width, height))."""
    width, height = size
    image_id, outcome = await upsert(
        session,
        Image,
        {"path": path},
        {"kind": kind, **owner, "width": width, "height": height, "position": position},
    )
    summary.count(outcome)
    for rendition_path, (r_width, r_height) in renditions.items():
        key = {"image_id": image_id, "width": r_width}
        found = await session.get(ImageRendition, (image_id, r_width))
        values = {"height": r_height, "path": rendition_path}
        if found is None:
            await session.execute(insert(ImageRendition).values(**key, **values))
            summary.count("created")
        elif (found.height, found.path) != (r_height, rendition_path):
            await session.execute(
                update(ImageRendition)
                .where(
                    col(ImageRendition.image_id) == image_id, col(ImageRendition.width) == r_width
                )
                .values(**values)
            )
            summary.count("updated")
    return image_id
