"""Assembles the schema from the domains; nothing else lives here."""

import strawberry
from strawberry.extensions import ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.tools import merge_types

from api.offers.queries import ProviderQuery
from api.people.queries import PersonQuery
from api.relay import NodeQuery
from api.settings import get_settings
from api.titles.queries import TitleQuery


class Schema(strawberry.Schema):
    def process_errors(self, errors: object, execution_context: object = None) -> None:
        """Logging is left to `api.errors.classify`, which knows which errors are expected."""


Query = merge_types("Query", (NodeQuery, TitleQuery, PersonQuery, ProviderQuery))


def create_schema(max_depth: int | None = None) -> Schema:
    depth = max_depth or get_settings().max_query_depth
    return Schema(
        query=Query,
        extensions=[
            ParserCache,
            ValidationCache,
            lambda: QueryDepthLimiter(max_depth=depth),
        ],
    )


schema = create_schema()
