"""GraphQL types for people and their credits."""

from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from api.core.connection import Connection
from api.core.external_ids import ExternalIds, external_ids
from api.core.node import Node
from api.core.response_cache import PERSON, TITLE
from api.images.types import Image, image_of
from api.people.sorters import NEWEST_TITLES_FIRST
from api.planning.declare import NO_DEFAULT, column, entity, loaded, node_id, planned
from api.planning.fields import Args, Keyset, One, Paged
from api.planning.pages import Row
from models import Credit as CreditRow
from models import CreditRole, ImageKind, PersonExternalId
from models import Person as PersonRow
from models import Title as TitleRow
from models.columns import table_of

if TYPE_CHECKING:
    from api.titles.types import Title

strawberry.enum(CreditRole)

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]

PEOPLE = table_of(PersonRow)
CREDITS = table_of(CreditRow)
PERSON_EXTERNAL_IDS = table_of(PersonExternalId)
TITLES = table_of(TitleRow)

PAGE = (int | None, 20)
AFTER = (str | None, NO_DEFAULT)
ROLES = (list[CreditRole] | None, NO_DEFAULT)


def of_roles(condition: Any, credit: Row, args: Args) -> Any:
    """`condition` narrowed to the credits whose role is among the `roles` argument."""
    if args.shape("roles", bool):  # an empty list, like none, keeps every role
        condition &= args.among(credit.c.role, "roles", list)
    return condition


def _title() -> type:
    from api.titles.types import Title

    return Title


@strawberry.type
@entity(PEOPLE, tags=lambda row: [(PERSON, row.c.id)])
class Person(Node):
    id: strawberry.ID = node_id("Person")
    slug: str = column("slug")
    name: str = column("name")
    photo: Image | None = image_of("person_id", ImageKind.PHOTO)
    external_ids: ExternalIds = external_ids(PERSON_EXTERNAL_IDS, "person_id")
    birth_year: int | None = column("birth_year")
    death_year: int | None = column("death_year")
    credits: Connection["Credit"] = planned(
        Paged(
            lambda _: Credit,
            lambda person, credit, _: credit.c.person_id == person.c.id,
            Keyset(lambda _: NEWEST_TITLES_FIRST),
            default_first=20,
        ),
        {"first": PAGE, "after": AFTER},
        description="Credits on titles, newest title first.",
    )

    @classmethod
    def from_row(cls, row: PersonRow) -> Self:
        return loaded(cls, row)


@strawberry.type
@entity(CREDITS, tags=lambda row: [(TITLE, row.c.title_id), (PERSON, row.c.person_id)])
class Credit:
    role: CreditRole = column("role")
    character: str | None = column("character")
    order: int = column("position", description="Billing order on the title, from 0.")
    person: Person = planned(
        One(lambda _: Person, lambda credit, person, _: person.c.id == credit.c.person_id)
    )
    title: LazyTitle = planned(
        One(lambda _: _title(), lambda credit, title, _: title.c.id == credit.c.title_id)
    )

    @classmethod
    def from_row(cls, row: CreditRow) -> Self:
        return loaded(cls, row)
