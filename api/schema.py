"""Assembles the schema from the domains; nothing else lives here."""

from collections.abc import Callable

import strawberry
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.tools import merge_types

from api.core.limits import DocumentLimits, QueryLimits
from api.core.validated import RememberedValidation, Validations
from api.offers.mutations import OfferMutation
from api.offers.queries import AvailabilityQuery, ProviderQuery
from api.offers.subscriptions import AvailabilitySubscription
from api.people.mutations import CreditMutation
from api.people.queries import PersonQuery
from api.relay import NodeQuery
from api.reviews.mutations import ReviewMutation
from api.settings import Settings, get_settings
from api.titles.mutations import TitleMutation
from api.titles.queries import TitleQuery
from api.tv.queries import GuideQuery


class Schema(strawberry.Schema):
    def process_errors(self, errors: object, execution_context: object = None) -> None:
        """Logging is left to `api.core.errors.classify`, which knows which errors are expected."""


Query = merge_types(
    "Query", (NodeQuery, TitleQuery, PersonQuery, ProviderQuery, GuideQuery, AvailabilityQuery)
)
Mutation = merge_types("Mutation", (TitleMutation, ReviewMutation, CreditMutation, OfferMutation))
Subscription = merge_types("Subscription", (AvailabilitySubscription,))


def create_schema(settings: Settings | None = None) -> Schema:
    settings = settings or get_settings()
    limits = DocumentLimits.from_settings(settings)
    # QueryLimits parses (cached, with the token limit), so strawberry's ParserCache is
    # not listed; it checks depth, aliases and requested nodes before execution.
    validations: Validations = {}
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: RememberedValidation(validations),
        lambda: QueryLimits(limits),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


schema = create_schema()
