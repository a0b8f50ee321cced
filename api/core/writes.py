"""What the mutations share: who may write, the title a write hangs off, slugs."""

import itertools
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import strawberry
from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode
from graphql.language import SelectionNode
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.core.auth import require_role
from api.core.context import Info
from api.core.errors import BadUserInput, NotFound, shown
from api.core.ids import decode_id
from api.core.validation import SLUG_LENGTH
from models import ApiKey, ApiKeyRole, Title
from models.slugs import slugify

# How many numbered slugs one query asks about.
_PROBE = 20


async def check_write(info: Info, role: ApiKeyRole) -> ApiKey:
    """The first thing every mutation does: one mutation per document, by a key with `role`."""
    fields = _root_fields(info.operation.selection_set.selections, info._raw_info.fragments)
    if len(fields) > 1:
        # Each mutation commits on its own, and the contract's non-null results turn one
        # failure into `data: null`: with several, a client could not tell what was saved.
        raise BadUserInput(
            f"A request may hold only one mutation; this one has {len(fields)} "
            f"({', '.join(sorted(fields))}): send them one request each."
        )
    return await require_role(info, role)


def _root_fields(
    selections: Iterable[SelectionNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    """Response names of the operation's root fields (fragment cycles never pass validation)."""
    names: set[str] = set()
    for node in selections:
        if isinstance(node, FieldNode):
            if not node.name.value.startswith("__"):
                names.add((node.alias or node.name).value)
        elif isinstance(node, InlineFragmentNode):
            names |= _root_fields(node.selection_set.selections, fragments)
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            names |= _root_fields(fragments[node.name.value].selection_set.selections, fragments)
    return names


def title_pk(title_id: strawberry.ID, argument: str = "titleId") -> int:
    try:
        return decode_id(title_id, "Title")[1]
    except BadUserInput as error:
        raise BadUserInput(error.message, argument=argument) from None


def _missing(title_id: strawberry.ID, argument: str) -> NotFound:
    return NotFound(f"No title with ID {shown(title_id)}.", argument=argument)


@asynccontextmanager
async def title_write(
    sessions: async_sessionmaker[AsyncSession],
    title_id: strawberry.ID,
    argument: str = "titleId",
) -> AsyncIterator[tuple[AsyncSession, int]]:
    """A transaction holding the title's row lock, so concurrent writes to its credits,
    offers or reviews queue up instead of colliding; yields the session and its key.
    A title that is missing, or deleted before the write commits, is NOT_FOUND."""
    pk = title_pk(title_id, argument)
    try:
        async with sessions() as session, session.begin():
            if not await _lock_title(session, pk):
                raise _missing(title_id, argument)
            yield session, pk
    except IntegrityError:
        # SQLite has no row locks (FOR UPDATE compiles to nothing): a deleteTitle may
        # commit between the check above and this write's insert, whose foreign key fails.
        async with sessions() as session:
            if await session.scalar(select(col(Title.id)).where(col(Title.id) == pk)) is None:
                raise _missing(title_id, argument) from None
        raise


async def _lock_title(session: AsyncSession, pk: int) -> bool:
    """Whether the title exists, holding it until the transaction ends. SQLite has no
    row locks (FOR UPDATE compiles to nothing): a write as the transaction's first
    statement takes the database's write lock instead, so what it reads next (people
    by name, say) cannot change before it writes."""
    if _dialect(session) == "sqlite":
        touched = await session.execute(_TOUCH_TITLE, {"pk": pk})
        return bool(touched.rowcount)  # type: ignore[attr-defined]
    stmt = select(col(Title.id)).where(col(Title.id) == pk).with_for_update()
    return await session.scalar(stmt) is not None


# Changes nothing, fires no trigger (SQLite's search index follows name and synopsis).
_TOUCH_TITLE = text("UPDATE titles SET id = id WHERE id = :pk")


def upsert_statement(session: AsyncSession, table: Any) -> Any:
    """INSERT with ON CONFLICT support: both engines have it, each in its dialect."""
    insert = postgresql_insert if _dialect(session) == "postgresql" else sqlite_insert
    return insert(table)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


async def ids_by_slug(session: AsyncSession, table: Any, slugs: Iterable[str]) -> dict[str, int]:
    """The ids of the rows of `table` (genres, people...) with these slugs; absent
    slugs are simply missing from the answer."""
    found = await session.execute(select(table.slug, table.id).where(table.slug.in_(set(slugs))))
    return dict(found.all())


def slug_of(text: str, max_length: int = SLUG_LENGTH) -> str:
    """`text` as lower-case ASCII words joined by hyphens, cut after a whole word to fit
    (a single longer word is cut where it must); "" when it has no ASCII letter or digit."""
    made = slugify(text)
    if len(made) <= max_length:
        return made
    head = made[: max_length + 1]
    cut = head.rfind("-")
    return head[:cut] if cut > 0 else head[:max_length]


async def free_slugs(session: AsyncSession, table: Any, bases: Iterable[str]) -> list[str]:
    """A slug for each base that no row of `table` has and no other base got: the base
    itself when free, else the base (cut to leave room) with the first free "-2", "-3"...
    Candidates are looked up by equality, which the unique index serves in any collation."""
    bases = list(bases)
    taken = set(await ids_by_slug(session, table, bases))
    chosen: list[str] = []
    for base in bases:
        if base in taken:
            stem = slug_of(base, SLUG_LENGTH - len("-999999"))
            for first in itertools.count(2, _PROBE):
                candidates = [f"{stem}-{n}" for n in range(first, first + _PROBE)]
                taken |= set(await ids_by_slug(session, table, candidates))
                base = next((slug for slug in candidates if slug not in taken), "")
                if base:
                    break
        taken.add(base)
        chosen.append(base)
    return chosen
