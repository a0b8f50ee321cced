"""Root fields for people."""

import strawberry

from api.people.types import Person
from api.planning.declare import NO_DEFAULT, planned
from api.planning.fields import One


@strawberry.type
class PersonQuery:
    person: Person | None = planned(
        One(lambda _: Person, lambda _, person, args: person.c.slug == args.param("slug")),
        {"slug": (str, NO_DEFAULT)},
        description="The person with this slug; null when there is none.",
    )
