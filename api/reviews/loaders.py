"""Batched loads of reviews and the ratings derived from them."""

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
    parse_date,
)
from models import Review

NEWEST_FIRST = Ordering(
    "REVIEWS",
    (
        SortKey(Review.published_at, descending=True, nullable=True, parse=parse_date),
        SortKey(Review.id),
    ),
)


def _reviews(_scope: Hashable) -> Select[Any]:
    return select(Review)


class ReviewLoaders(LoaderGroup):
    @cached_property
    def by_id(self) -> DataLoader[Any, Review | None]:
        return by_key(self._sessions, select(Review), Review.id)

    @cached_property
    def page_by_title(self) -> DataLoader[PageKey, Page[Any]]:
        return page_loader(self._sessions, Review, Review.title_id, NEWEST_FIRST, _reviews)

    @cached_property
    def count_by_title(self) -> DataLoader[CountKey, int]:
        return count_loader(self._sessions, Review.title_id, _reviews)
