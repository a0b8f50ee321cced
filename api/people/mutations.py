"""setCredits: replace a title's cast and crew in one transaction."""

from collections.abc import Sequence
from typing import Literal

import strawberry
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.core import validation
from api.core.context import Info
from api.core.errors import Conflict, shown
from api.core.response_cache import LISTS, person_tag, title_tag
from api.core.writes import (
    check_write,
    free_slugs,
    ids_by_slug,
    slug_of,
    title_write,
    upsert_statement,
)
from api.people.types import Credit
from models import ApiKeyRole, CreditRole, Person
from models import Credit as CreditRow
from models.columns import id_column

MAX_CREDITS = 500
Key = Literal["slug", "name"]
# New people whose slugs concurrent writes keep taking are retried this often.
SLUG_ATTEMPTS = 5


@strawberry.input(
    description="Give `person` (an existing person's slug) or `name` (found or added)."
)
class CreditInput:
    role: CreditRole
    person: str | None = None
    name: str | None = None
    character: str | None = None


def _person(index: int, credit: CreditInput) -> tuple[Key, str]:
    """How a credit names its person: ("slug", slug) or ("name", name)."""
    field = f"credits[{index}]"
    if (credit.person is None) == (credit.name is None):
        raise validation.invalid(field, "needs exactly one of `person` (a slug) or `name`")
    if credit.person is not None:
        return "slug", validation.slug(f"{field}.person", credit.person)
    return "name", validation.text(f"{field}.name", credit.name or "", 200)


async def _ids_by_name(session: AsyncSession, names: set[str]) -> dict[str, int]:
    """People by exact name; of namesakes, the first added."""
    found = await session.execute(
        select(col(Person.name), id_column(Person.id))
        .where(col(Person.name).in_(names))
        .order_by(col(Person.id).desc())
    )
    return dict(found.all())


async def _add_people(session: AsyncSession, names: Sequence[str]) -> dict[str, int]:
    """Adds a person for each name, each with a new unique slug. A slug a concurrent write
    takes meanwhile is kept by them: their person, when the names agree, else a new slug."""
    added: dict[str, int] = {}
    pending = list(names)
    for _ in range(SLUG_ATTEMPTS):
        bases = (slug_of(name) or "person" for name in pending)
        slugs = await free_slugs(session, Person, bases)
        insert_new = upsert_statement(session, Person).on_conflict_do_nothing(
            index_elements=["slug"]
        )
        # In slug order, so two writes adding the same people queue instead of deadlocking.
        ordered = sorted(zip(slugs, pending, strict=True))
        await session.execute(insert_new, [{"slug": s, "name": n} for s, n in ordered])
        rows = await session.execute(
            select(col(Person.slug), col(Person.name), id_column(Person.id)).where(
                col(Person.slug).in_(slugs)
            )
        )
        holders = {slug: (name, pk) for slug, name, pk in rows.all()}
        for slug, name in zip(slugs, pending, strict=True):
            if holders[slug][0] == name:
                added[name] = holders[slug][1]
        pending = [name for name in pending if name not in added]
        if not pending:
            return added
    raise Conflict("Other writes kept taking the new people's slugs; try again.")


@strawberry.type
class CreditMutation:
    @strawberry.mutation(description="Needs an editor key; the list order is the billing order.")
    async def set_credits(
        self, info: Info, title_id: strawberry.ID, credits: list[CreditInput]
    ) -> list[Credit]:
        await check_write(info, ApiKeyRole.EDITOR)
        if len(credits) > MAX_CREDITS:
            raise validation.invalid("credits", f"may hold at most {MAX_CREDITS} entries")
        people = [_person(index, credit) for index, credit in enumerate(credits)]
        characters = [
            None
            if c.character is None
            else validation.text(f"credits[{i}].character", c.character, 200)
            for i, c in enumerate(credits)
        ]
        async with title_write(info.context.sessions, title_id) as (session, pk):
            slugs = {value for key, value in people if key == "slug"}
            by_slug = await ids_by_slug(session, Person, slugs)
            unknown = sorted(slugs - set(by_slug))
            if unknown:
                raise validation.invalid(
                    "credits", f"names unknown people {shown(', '.join(unknown))}"
                )
            names = list(dict.fromkeys(value for key, value in people if key == "name"))
            by_name = await _ids_by_name(session, set(names))
            new = [name for name in names if name not in by_name]
            if new:
                by_name |= await _add_people(session, new)
            ids = {"slug": by_slug, "name": by_name}
            person_ids = [ids[key][value] for key, value in people]
            seen: set[tuple[int, CreditRole]] = set()
            for index, (person_id, credit) in enumerate(zip(person_ids, credits, strict=True)):
                if (person_id, credit.role) in seen:
                    raise validation.invalid(
                        f"credits[{index}]",
                        f"credits the same person as {credit.role.value} again; list each "
                        "person once per role (several characters go in one `character`)",
                    )
                seen.add((person_id, credit.role))
            await session.execute(delete(CreditRow).where(col(CreditRow.title_id) == pk))
            rows = [
                CreditRow(
                    title_id=pk,
                    person_id=person_id,
                    role=credit.role,
                    character=character,
                    position=position,
                )
                for position, (person_id, credit, character) in enumerate(
                    zip(person_ids, credits, characters, strict=True)
                )
            ]
            session.add_all(rows)
        # People who lost a credit show this title, so its tag covers them.
        tags = [title_tag(pk), *(person_tag(person_id) for person_id in set(person_ids))]
        await info.context.invalidate(*tags, *([LISTS] if new else []))
        return [Credit.from_row(row) for row in rows]
