"""Row-by-row upserts shared by the importers and the seed: match, insert or update
only what changed, and say which happened (so a second import changes nothing)."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Image, ImageKind, ImageRendition, Title
from models.columns import utc_now
from models.external_ids import EXTERNAL_ID_TABLES, ExternalSource, Owner, check_external_id
from seed.importers.summary import ImportSummary, MalformedRow, Outcome

OWNER_COLUMN = {Owner.TITLE: "title_id", Owner.EPISODE: "episode_id", Owner.PERSON: "person_id"}


async def upsert(
    session: AsyncSession, table: Any, key: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[int, Outcome]:
    """The id of the row matching `key`, inserted with `values` or updated to them."""
    where = [getattr(table, column) == value for column, value in key.items()]
    query = select(table).where(*where).execution_options(populate_existing=True)
    found = (await session.execute(query)).scalars().first()
    if found is None:
        row_id = await session.scalar(insert(table).values({**key, **values}).returning(table.id))
        return int(row_id), "created"
    changed = {column: value for column, value in values.items() if getattr(found, column) != value}
    if changed:
        await session.execute(update(table).where(table.id == found.id).values(**changed))
    return int(found.id), "updated" if changed else "unchanged"


async def update_title(session: AsyncSession, title_id: int, values: Mapping[str, Any]) -> Outcome:
    """Like `upsert`'s update, and a changed title gets a new version for editors."""
    found = await session.get_one(Title, title_id, populate_existing=True)
    changed = {column: value for column, value in values.items() if getattr(found, column) != value}
    if not changed:
        return "unchanged"
    await session.execute(
        update(Title)
        .where(Title.id == title_id)
        .values(**changed, version=Title.version + 1, updated_at=utc_now())
    )
    return "updated"


async def find_by_external_id(
    session: AsyncSession, owner: Owner, source: ExternalSource, value: str
) -> int | None:
    table = EXTERNAL_ID_TABLES[owner]
    column = getattr(table, OWNER_COLUMN[owner])
    found = await session.scalar(select(column).where(table.source == source, table.value == value))
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
        select(table.value).where(getattr(table, column) == owner_id, table.source == source)
    )
    if had is not None:
        await session.execute(
            update(table)
            .where(getattr(table, column) == owner_id, table.source == source)
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
                .where(ImageRendition.image_id == image_id, ImageRendition.width == r_width)
                .values(**values)
            )
            summary.count("updated")
    return image_id
