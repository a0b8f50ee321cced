"""Declaring GraphQL types and fields by their definitions.

    @strawberry.type
    @entity(TitleRow.__table__, tags=lambda row: [(TITLE, row.c.id)])
    class Title(Node):
        name: str = planned(Value(lambda row, args: row.c.name))

`planned` makes the strawberry field (its arguments, its reference resolver) and
attaches the definition the planner reads, so a field is written once.
"""

import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

from api.core.ids import encode_id
from api.planning.fields import PLAN, Definition, Entity, Narrow, Tags, Value
from api.planning.reference import Loaded, resolve

T = TypeVar("T")

NO_DEFAULT = inspect.Parameter.empty


def entity(
    table: Any, tags: Tags = lambda _row: (), narrow: Narrow | None = None
) -> Callable[[type[T]], type[T]]:
    """Marks a class (under `@strawberry.type`) as showing rows of `table`."""

    def mark(cls: type[T]) -> type[T]:
        cls.__entity__ = Entity(table, tags, narrow)  # type: ignore[attr-defined]

        def is_type_of(type_cls: type, obj: Any, _info: Any) -> bool:
            return isinstance(obj, Loaded) and obj.cls is type_cls

        cls.is_type_of = classmethod(is_type_of)  # type: ignore[attr-defined]
        return cls

    return mark


def planned(
    definition: Definition,
    arguments: dict[str, tuple[Any, Any]] | None = None,
    *,
    description: str | None = None,
    name: str | None = None,
) -> Any:
    """A strawberry field resolved by `definition`; `arguments` maps each argument's
    Python name to (annotation, default or NO_DEFAULT); `name` overrides the GraphQL
    name (`from`, a Python keyword)."""

    async def resolver(root: Any, info: strawberry.Info, **values: Any) -> Any:
        return await resolve(definition, root, info, values)

    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [
        inspect.Parameter("root", positional),
        inspect.Parameter("info", positional, annotation=strawberry.Info),
    ]
    annotations: dict[str, Any] = {"info": strawberry.Info}
    for argument, (annotation, default) in (arguments or {}).items():
        kind = inspect.Parameter.KEYWORD_ONLY
        parameters.append(inspect.Parameter(argument, kind, default=default, annotation=annotation))
        annotations[argument] = annotation
    resolver.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    resolver.__annotations__ = annotations
    return strawberry.field(
        resolver=resolver, name=name, description=description, metadata={PLAN: definition}
    )


def loaded(cls: type[T], model: Any) -> T:
    """The object of entity class `cls` showing `model` (a row a mutation wrote): what
    the reference resolvers resolve its fields from."""
    table = cls.__entity__.table  # type: ignore[attr-defined]
    row = {column.key: getattr(model, column.key) for column in table.columns}
    return cast(T, Loaded(cls, row))


def column(name: str, *, description: str | None = None) -> Any:
    """A field showing the row's column `name` as it is."""
    return planned(Value(lambda row, _args: row.c[name]), description=description)


def node_id(type_name: str) -> Any:
    """The `id` field of a Node type: the global id of the row's primary key."""
    return planned(Value(lambda row, _args: row.c.id, lambda pk: encode_id(type_name, pk)))
