"""The README's example, run the way a person would: GraphiQL in headless Chromium, served
by `python -m api` over a database seeded by `python -m seed`, with nothing fetched from
outside the service. Marked `browser`: `make test-browser` runs it (see the README)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:  # imported by the test itself: `make test` collects it without Playwright
    from playwright.async_api import Browser, Page, Request, Route

from tests.servers import Server, python_m_api

pytestmark = pytest.mark.browser

README = Path(__file__).resolve().parents[2] / "README.md"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ANSWER_SECONDS = 30
REQUEST_ID = re.compile(r'"requestId": "[0-9a-f]{32}"')


def readme_example() -> tuple[str, str]:
    """The example query of the README and the answer it shows (the blocks after
    "An example query")."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index("An example query") :]
    query = re.search(r"```graphql\n(.*?)```", after, re.DOTALL)
    answer = re.search(r"```json\n(.*?)```", after, re.DOTALL)
    assert query and answer, "the README's example query and answer are not where expected"
    return query[1], answer[1].rstrip("\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`make run` on a fresh clone: `python -m seed` into a new SQLite file, then
    `python -m api` with GraphiQL on."""
    folder = tmp_path_factory.mktemp("graphiql")
    url = f"sqlite+aiosqlite:///{folder / 'reelgraph.db'}"
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    subprocess.run(
        [sys.executable, "-m", "seed"],
        cwd=folder,
        env=env | {"DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    with python_m_api(url, folder, GRAPHIQL="true") as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        await launched.close()


async def open_graphiql(browser: Browser, server: Server, outside: list[str]) -> Page:
    """GraphiQL's page, every request leaving the service recorded in `outside` and
    refused."""
    page = await browser.new_page()
    own = urlsplit(server.url("/")).netloc

    async def only_the_service(route: Route, request: Request) -> None:
        if urlsplit(request.url).netloc == own:
            await route.continue_()
        else:
            outside.append(request.url)
            await route.abort()

    await page.route("**/*", only_the_service)
    await page.goto(server.url("/graphql"), wait_until="networkidle")
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    return page


async def test_graphiql_answers_the_readme_example_as_the_readme_shows(
    browser: Browser, server: Server
) -> None:
    query, shown = readme_example()
    outside: list[str] = []
    page = await open_graphiql(browser, server, outside)

    # Typed over the default query (as a paste: typing key by key would auto-close brackets).
    await page.click(".graphiql-query-editor .CodeMirror")
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(query)
    # GraphiQL reads the operations out of the editor after a pause in typing (and would
    # still send the default query's operation name); it stores the query after that.
    await page.wait_for_function(
        "query => localStorage.getItem('graphiql:query') === query", arg=query
    )
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        "() => document.querySelector('.graphiql-response .CodeMirror')"
        ".CodeMirror.getValue().includes('requestId')",
        timeout=ANSWER_SECONDS * 1000,
    )
    answer = await page.evaluate(
        "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    )

    # The request id is new each time; everything else is shown character for character.
    assert REQUEST_ID.search(answer), answer
    assert REQUEST_ID.sub('"requestId": …', answer) == REQUEST_ID.sub('"requestId": …', shown)
    assert json.loads(answer)["data"] == json.loads(shown)["data"]
    assert outside == []
