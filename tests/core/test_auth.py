"""Writes need an API key of the right role; reads never do; keys can be revoked."""

import subprocess
import sys

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from api.keys import create_key, revoke_key
from models import ApiKeyRole
from tests.factories import make_title
from tests.helpers import GraphQL, data, error_codes

CREATE = """mutation($input: CreateTitleInput!) { createTitle(input: $input) { slug } }"""
REVIEW = """mutation($id: ID!) { addReview(titleId: $id, input: {body: "Fine."}) { reviewer } }"""
TITLE_ID = """{ title(slug: "refusenik-2007") { id } }"""


async def _refusenik_id(graphql: GraphQL) -> str:
    return str(data(await graphql(TITLE_ID))["title"]["id"])


async def test_a_write_without_a_key_is_unauthenticated(graphql: GraphQL) -> None:
    body = await graphql(CREATE, {"input": {"name": "Keyless", "kind": "MOVIE"}})
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "Authorization: Bearer" in body["errors"][0]["message"]


async def test_an_unknown_key_is_unauthenticated(graphql: GraphQL) -> None:
    body = await graphql(CREATE, {"input": {"name": "X", "kind": "MOVIE"}}, key="rg_forged")
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_a_critic_cannot_edit_titles_and_an_editor_cannot_review(
    graphql: GraphQL, editor_key: str, critic_key: str
) -> None:
    body = await graphql(CREATE, {"input": {"name": "X", "kind": "MOVIE"}}, key=critic_key)
    assert error_codes(body) == ["FORBIDDEN"]
    body = await graphql(REVIEW, {"id": await _refusenik_id(graphql)}, key=editor_key)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_a_revoked_key_stops_working(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        issued = await create_key(session, ApiKeyRole.CRITIC, "Soon Gone")
    title_id = encode_id("Title", (await make_title(sessions)).id)
    assert data(await graphql(REVIEW, {"id": title_id}, key=issued.secret))
    async with sessions() as session, session.begin():
        assert await revoke_key(session, issued.key.prefix) == 1
    assert error_codes(await graphql(REVIEW, {"id": title_id}, key=issued.secret)) == [
        "UNAUTHENTICATED"
    ]


async def test_reads_need_no_key(graphql: GraphQL) -> None:
    assert data(await graphql(TITLE_ID))["title"]["id"]


async def test_a_mutation_over_get_is_refused(graphql: GraphQL, client: object) -> None:
    import httpx

    assert isinstance(client, httpx.AsyncClient)
    response = await client.get("/graphql", params={"query": 'mutation { deleteTitle(id: "x") }'})
    assert response.status_code in (400, 405)


def test_keys_cli_creates_lists_and_revokes(database_url: str) -> None:
    def keys(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "api.keys", "--database-url", database_url, *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    created = keys("create", "--role", "critic", "--name", "CLI Critic")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.split()[0]
    assert secret.startswith("rg_") and len(secret) > 40
    listing = keys("list").stdout
    assert secret[:11] in listing and secret not in listing  # the secret is never shown again
    assert keys("revoke", secret[:11]).returncode == 0
    assert "revoked" in keys("list").stdout
    assert keys("revoke", secret[:11]).returncode == 1
    assert keys("create", "--role", "admin", "--name", "x").returncode == 2
