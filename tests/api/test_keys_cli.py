"""python -m api.keys: a key is shown only once it is stored."""

import io
import sys

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.keys.__main__ import parse_args, run
from models import ApiKey
from tests.factories import unique


class _ClosedPipe(io.StringIO):
    """stdout when the reader has gone (`... | head -1` that already exited)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


async def test_a_created_key_is_stored_before_it_is_printed(
    database_url: str, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique("Unread Key")
    arguments = ["--database-url", database_url, "create", "--role", "critic", "--name", name]
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    with pytest.raises(BrokenPipeError):
        await run(parse_args(arguments))
    async with sessions() as session:
        stored = await session.scalar(select(func.count()).where(ApiKey.name == name))
    assert stored == 1  # printing came after the commit: no key is shown that was not kept
