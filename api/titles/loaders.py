"""Batched loads of titles and what hangs directly off them."""

from functools import cached_property
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from api.batching import LoaderGroup, by_key, grouped
from models import Genre, Title, TitleGenre, TitleLanguage


class TitleLoaders(LoaderGroup):
    @cached_property
    def by_id(self) -> DataLoader[Any, Title | None]:
        return by_key(self._sessions, select(Title), Title.id)

    @cached_property
    def genres(self) -> DataLoader[Any, list[Genre]]:
        stmt = select(Genre).join(TitleGenre, TitleGenre.genre_id == Genre.id).order_by(Genre.name)
        return grouped(self._sessions, stmt, TitleGenre.title_id)

    @cached_property
    def languages(self) -> DataLoader[Any, list[TitleLanguage]]:
        stmt = select(TitleLanguage).order_by(TitleLanguage.position)
        return grouped(self._sessions, stmt, TitleLanguage.title_id)
