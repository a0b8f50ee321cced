"""Many writers at once on the same rows: nothing lost, nothing duplicated."""

import asyncio
import contextlib
import sqlite3
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.core.ids import decode_id
from models import Credit, Offer, Review
from tests.factories import unique
from tests.helpers import GraphQL, data, error_codes

CREATE = "mutation($input: CreateTitleInput!) { createTitle(input: $input) { id slug } }"
READ = """query($slug: String!) { title(slug: $slug) {
  version reviews(first: 100) { totalCount }
  credits(first: 100) { edges { node { person { slug } } } }
  offers(region: "US") { price { amount } } } }"""


async def _title(graphql: GraphQL, editor_key: str) -> dict[str, Any]:
    variables = {"input": {"name": unique("Contested"), "kind": "MOVIE"}}
    return dict(data(await graphql(CREATE, variables, key=editor_key))["createTitle"])


async def _read(graphql: GraphQL, slug: str) -> dict[str, Any]:
    return dict(data(await graphql(READ, {"slug": slug}))["title"])


async def test_concurrent_reviews_are_all_kept(
    graphql: GraphQL, critic_key: str, editor_key: str
) -> None:
    title = await _title(graphql, editor_key)
    add = "mutation($id: ID!, $n: String!) { addReview(titleId: $id, input: {body: $n}) { id } }"
    bodies = await asyncio.gather(
        *(graphql(add, {"id": title["id"], "n": f"Review {n}"}, key=critic_key) for n in range(20))
    )
    ids = {data(body)["addReview"]["id"] for body in bodies}
    assert len(ids) == 20
    assert (await _read(graphql, title["slug"]))["reviews"]["totalCount"] == 20


async def test_concurrent_edits_of_one_version_let_exactly_one_win(
    graphql: GraphQL, editor_key: str
) -> None:
    title = await _title(graphql, editor_key)
    edit = """mutation($id: ID!, $name: String!) {
      updateTitle(id: $id, input: {expectedVersion: 1, name: $name}) { version } }"""
    bodies = await asyncio.gather(
        *(
            graphql(edit, {"id": title["id"], "name": f"Edit {n}"}, key=editor_key)
            for n in range(10)
        )
    )
    winners = [body for body in bodies if "errors" not in body]
    assert len(winners) == 1
    assert sorted(code for body in bodies for code in error_codes(body)) == ["CONFLICT"] * 9
    assert (await _read(graphql, title["slug"]))["version"] == 2


async def test_concurrent_upserts_of_one_offer_leave_one_row(
    graphql: GraphQL, editor_key: str
) -> None:
    title = await _title(graphql, editor_key)
    upsert = """mutation($id: ID!, $price: Decimal!) { upsertOffer(titleId: $id, input: {
      provider: "apple-tv", region: "US", monetization: BUY, url: "https://tv.example.com/b",
      price: {amount: $price, currency: "USD"} }) { price { amount } } }"""
    prices = [f"{n}.99" for n in range(1, 11)]
    bodies = await asyncio.gather(
        *(graphql(upsert, {"id": title["id"], "price": price}, key=editor_key) for price in prices)
    )
    assert all("errors" not in body for body in bodies), bodies
    offers = (await _read(graphql, title["slug"]))["offers"]
    assert len(offers) == 1 and offers[0]["price"]["amount"] in prices


async def test_concurrent_credit_lists_never_mix(graphql: GraphQL, editor_key: str) -> None:
    title = await _title(graphql, editor_key)
    newcomer = unique("Shared Newcomer")
    lists = [
        [{"role": "CAST", "name": newcomer}]
        + [{"role": "CAST", "name": f"Cast {n} {m}"} for m in range(3)]
        for n in range(8)
    ]
    set_credits = """mutation($id: ID!, $credits: [CreditInput!]!) {
      setCredits(titleId: $id, credits: $credits) { person { slug } } }"""
    bodies = await asyncio.gather(
        *(graphql(set_credits, {"id": title["id"], "credits": c}, key=editor_key) for c in lists)
    )
    assert all("errors" not in body for body in bodies), bodies
    final = [
        e["node"]["person"]["slug"]
        for e in (await _read(graphql, title["slug"]))["credits"]["edges"]
    ]
    written = [[person["person"]["slug"] for person in data(b)["setCredits"]] for b in bodies]
    assert final in written
    assert len({slugs[0] for slugs in written}) == 1  # the shared newcomer is one person


LATE_WRITES = {
    Review: 'mutation($id: ID!) { addReview(titleId: $id, input: {body: "Late."}) { id } }',
    Offer: """mutation($id: ID!) { upsertOffer(titleId: $id, input: {provider: "tubi",
      region: "US", monetization: FREE, url: "https://t.example.com/late"}) { url } }""",
    Credit: """mutation($id: ID!) {
      setCredits(titleId: $id, credits: [{role: CAST, person: "laura-bialis"}]) { order } }""",
}


@pytest.mark.parametrize("table", list(LATE_WRITES), ids=lambda table: table.__tablename__)
async def test_a_write_that_loses_the_race_to_delete_title_is_not_found(
    graphql: GraphQL,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    editor_key: str,
    critic_key: str,
    table: Any,
) -> None:
    """deleteTitle commits just before the write's first change: after its check that the
    title exists. SQLite cannot lock the row, so the write must notice and answer
    NOT_FOUND; PostgreSQL's row lock makes the delete wait, so the write succeeds first."""
    title = await _title(graphql, editor_key)
    pk = decode_id(title["id"])[1]
    deletes: list[asyncio.Task[dict[str, Any]]] = []
    fired = False

    def delete_behind_the_write(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal fired
        if fired or not statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            return
        fired = True
        if engine.dialect.name == "sqlite":
            with contextlib.closing(sqlite3.connect(str(engine.url.database))) as other:
                other.execute("PRAGMA foreign_keys = ON")
                other.execute("DELETE FROM titles WHERE id = ?", (pk,))
                other.commit()
        else:
            delete = "mutation($id: ID!) { deleteTitle(id: $id) }"
            request = graphql(delete, {"id": title["id"]}, key=editor_key)
            deletes.append(asyncio.ensure_future(request))

    key = critic_key if table is Review else editor_key
    event.listen(engine.sync_engine, "before_cursor_execute", delete_behind_the_write)
    try:
        body = await graphql(LATE_WRITES[table], {"id": title["id"]}, key=key)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", delete_behind_the_write)
    for deleted in deletes:
        assert "errors" not in await deleted
    assert fired
    expected = ["NOT_FOUND"] if engine.dialect.name == "sqlite" else []
    assert error_codes(body) == expected, body
    async with sessions() as session:
        assert await session.scalar(select(func.count()).where(table.title_id == pk)) == 0
    assert data(await graphql(READ, {"slug": title["slug"]})) == {"title": None}
