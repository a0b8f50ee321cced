"""A real uvicorn server on its own database, for fuzzing over HTTP."""

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.keys import create_key
from models import ApiKeyRole
from models.db import create_engine, create_sessionmaker
from models.migrations import upgrade
from seed.load import curated_entries, load_entries
from tests.databases import create_database, drop_database, per_run_url, postgres_test_url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _seed(url: str) -> str:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await load_entries(session, curated_entries())
        secret = (await create_key(session, ApiKeyRole.EDITOR, "Fuzzer")).secret
    await engine.dispose()
    return secret


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(GraphQL URL, editor key) of a server with a freshly seeded database of its own."""
    main_url = postgres_test_url()
    if main_url:
        url = per_run_url(main_url, "fuzz")
        asyncio.run(create_database(url))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    upgrade(url)
    key = asyncio.run(_seed(url))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "LOG_LEVEL": "error",
        "RATE_LIMIT_PER_MINUTE": "1000000",  # the fuzzer is one very busy client
        "RATE_LIMIT_BURST": "100000",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "api"], env=env, cwd=Path(__file__).resolve().parents[2]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield f"{base}/graphql", key
    finally:
        server.terminate()
        server.wait(timeout=10)
        if main_url:
            asyncio.run(drop_database(url))
