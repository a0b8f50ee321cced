"""GraphQL types for people and their credits."""

from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from api.arguments import OMITTED, given
from api.connection import Connection, load_connection
from api.context import Info
from api.ids import encode_id
from api.node import Node
from api.people.loaders import NEWEST_TITLES_FIRST
from api.response_cache import depends_on, person_tag, title_tag
from models import Credit as CreditRow
from models import CreditRole
from models import Person as PersonRow

if TYPE_CHECKING:
    from api.titles.types import Title

strawberry.enum(CreditRole)

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]


@strawberry.type
class Person(Node):
    slug: str
    name: str
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: PersonRow) -> Self:
        assert row.id is not None
        depends_on(person_tag(row.id))
        return cls(
            id=strawberry.ID(encode_id("Person", row.id)), pk=row.id, slug=row.slug, name=row.name
        )

    @strawberry.field(description="Credits on titles, newest title first.")
    async def credits(
        self, info: Info, first: int | None = 20, after: str | None = OMITTED
    ) -> Connection["Credit"]:
        people = info.context.loaders.people
        return await load_connection(
            people.credits_by_person,
            people.credit_count_by_person,
            NEWEST_TITLES_FIRST,
            self.pk,
            first,
            given(after),
            Credit.from_row,
            default_first=20,
        )


@strawberry.type
class Credit:
    role: CreditRole
    character: str | None
    order: int = strawberry.field(description="Billing order on the title, from 0.")
    person_id: strawberry.Private[int]
    title_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: CreditRow) -> Self:
        depends_on(title_tag(row.title_id), person_tag(row.person_id))
        return cls(
            role=row.role,
            character=row.character,
            order=row.position,
            person_id=row.person_id,
            title_id=row.title_id,
        )

    @strawberry.field
    async def person(self, info: Info) -> Person:
        row = await info.context.loaders.people.by_id.load(self.person_id)
        assert row is not None  # a foreign key guarantees it
        return Person.from_row(row)

    @strawberry.field
    async def title(self, info: Info) -> LazyTitle:
        from api.titles.types import Title

        row = await info.context.loaders.titles.by_id.load(self.title_id)
        assert row is not None
        return Title.from_row(row)
