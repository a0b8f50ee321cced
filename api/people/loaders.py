"""Batched loads of people and credits."""

from collections.abc import Hashable
from functools import cached_property
from typing import Any

from sqlalchemy import Select, select
from strawberry.dataloader import DataLoader

from api.batching import LoaderGroup, by_key
from api.pagination import (
    CountKey,
    Ordering,
    Page,
    PageKey,
    SortKey,
    count_loader,
    page_loader,
)
from models import Credit, Person, Title

BILLING_ORDER = Ordering("CREDITS", (SortKey(Credit.position), SortKey(Credit.id)))
NEWEST_TITLES_FIRST = Ordering(
    "FILMOGRAPHY", (SortKey(Title.year, descending=True, nullable=True), SortKey(Credit.id))
)


def _title_credits(roles: Hashable) -> Select[Any]:
    stmt = select(Credit)
    return stmt.where(Credit.role.in_(roles)) if roles else stmt


def _person_credits(_scope: Hashable) -> Select[Any]:
    return select(Credit).join(Title, Title.id == Credit.title_id)


class PeopleLoaders(LoaderGroup):
    @cached_property
    def by_id(self) -> DataLoader[Any, Person | None]:
        return by_key(self._sessions, select(Person), Person.id)

    @cached_property
    def credits_by_title(self) -> DataLoader[PageKey, Page[Any]]:
        """Scope: a frozenset of roles to keep, or None for all."""
        return page_loader(self._sessions, Credit, Credit.title_id, BILLING_ORDER, _title_credits)

    @cached_property
    def credit_count_by_title(self) -> DataLoader[CountKey, int]:
        return count_loader(self._sessions, Credit.title_id, _title_credits)

    @cached_property
    def credits_by_person(self) -> DataLoader[PageKey, Page[Any]]:
        return page_loader(
            self._sessions, Credit, Credit.person_id, NEWEST_TITLES_FIRST, _person_credits
        )

    @cached_property
    def credit_count_by_person(self) -> DataLoader[CountKey, int]:
        return count_loader(self._sessions, Credit.person_id, _person_credits)
