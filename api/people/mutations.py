"""setCredits: replace a title's cast and crew in one transaction."""

import strawberry
from sqlalchemy import delete

from api import validation
from api.auth import require_role
from api.context import Info
from api.people.types import Credit
from api.response_cache import LISTS, person_tag, title_tag
from api.writes import ids_by_slug, lock_title, upsert_statement
from models import ApiKeyRole, CreditRole, Person
from models import Credit as CreditRow
from seed.load import slugify

MAX_CREDITS = 500


@strawberry.input(
    description="Give `person` (an existing person's slug) or `name` (found or added)."
)
class CreditInput:
    role: CreditRole
    person: str | None = None
    name: str | None = None
    character: str | None = None


def _person_slug(index: int, credit: CreditInput) -> tuple[str, str | None]:
    """(slug, name to create with) of a credit's person."""
    field = f"credits[{index}]"
    if (credit.person is None) == (credit.name is None):
        raise validation.invalid(field, "needs exactly one of `person` (a slug) or `name`")
    if credit.person is not None:
        return validation.slug(f"{field}.person", credit.person), None
    name = validation.text(f"{field}.name", credit.name or "", 200)
    made = slugify(name)
    if not made:
        raise validation.invalid(f"{field}.name", "needs at least one letter or digit")
    return made[:120], name


@strawberry.type
class CreditMutation:
    @strawberry.mutation(description="Needs an editor key; the list order is the billing order.")
    async def set_credits(
        self, info: Info, title_id: strawberry.ID, credits: list[CreditInput]
    ) -> list[Credit]:
        await require_role(info, ApiKeyRole.EDITOR)
        if len(credits) > MAX_CREDITS:
            raise validation.invalid("credits", f"may hold at most {MAX_CREDITS} entries")
        people = [_person_slug(index, credit) for index, credit in enumerate(credits)]
        characters = [
            None
            if c.character is None
            else validation.text(f"credits[{i}].character", c.character, 200)
            for i, c in enumerate(credits)
        ]
        async with info.context.sessions() as session, session.begin():
            pk = await lock_title(session, title_id)
            found = await ids_by_slug(session, Person, (slug for slug, _ in people))
            unknown = sorted({slug for slug, name in people if name is None} - set(found))
            if unknown:
                raise validation.invalid("credits", f"names unknown people {unknown}")
            new = {slug: name for slug, name in people if name is not None and slug not in found}
            if new:
                # Another write may add the same person meanwhile: keep theirs.
                insert_new = upsert_statement(session, Person).on_conflict_do_nothing(
                    index_elements=["slug"]
                )
                await session.execute(
                    insert_new, [{"slug": slug, "name": name} for slug, name in new.items()]
                )
                found |= await ids_by_slug(session, Person, new)
            await session.execute(delete(CreditRow).where(CreditRow.title_id == pk))
            rows = [
                CreditRow(
                    title_id=pk,
                    person_id=found[slug],
                    role=credit.role,
                    character=character,
                    position=position,
                )
                for position, ((slug, _), credit, character) in enumerate(
                    zip(people, credits, characters, strict=True)
                )
            ]
            session.add_all(rows)
        # People who lost a credit show this title, so its tag covers them.
        tags = [title_tag(pk), *(person_tag(person_id) for person_id in found.values())]
        await info.context.invalidate(*tags, *([LISTS] if new else []))
        return [Credit.from_row(row) for row in rows]
