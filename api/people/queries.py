"""Root fields for people."""

import strawberry
from sqlalchemy import select

from api.context import Info
from api.people.types import Person
from api.response_cache import LISTS, depends_on
from models import Person as PersonRow


@strawberry.type
class PersonQuery:
    @strawberry.field(description="The person with this slug; null when there is none.")
    async def person(self, info: Info, slug: str) -> Person | None:
        async with info.context.reads() as session:
            row = await session.scalar(select(PersonRow).where(PersonRow.slug == slug))
        if row is None:
            depends_on(LISTS)  # a person added with this slug must not stay hidden
            return None
        return Person.from_row(row)
