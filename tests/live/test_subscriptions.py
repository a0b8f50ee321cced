"""availabilityChanged over graphql-transport-ws on /graphql, served by uvicorn:
delivery, the subscription's limits, the HTTP endpoint's rules, and teardown.

The tests' subscription (tests/live/schema.py) yields each change's routing fields;
change rows are inserted directly (the change log's writes are not on this branch).
"""

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from websockets.exceptions import ConnectionClosed, InvalidStatus

from api.core.ids import encode_id
from api.core.iso_codes import REGIONS
from api.http.graphql_view import SUBSCRIPTIONS_OVER_WEBSOCKET
from api.http.persisted_queries import sha256_hex
from models import AvailabilityChange, Title
from models.columns import utc_now
from tests.factories import make_offer
from tests.live.client import SUBSCRIPTION, graphql_ws
from tests.live.conftest import ServeLive, global_id, insert_change, until

Sessions = async_sessionmaker[AsyncSession]
REGION_CODES = sorted(REGIONS)


def next_change(message: dict[str, object], operation_id: str) -> object:
    assert message["type"] == "next" and message["id"] == operation_id, message
    payload = message["payload"]
    assert isinstance(payload, dict) and "errors" not in payload, payload
    return payload["data"]["availabilityChanged"]


def refusal(message: dict[str, object], operation_id: str) -> tuple[str, str]:
    """The code and message of an `error` answer to a subscribe."""
    assert message["type"] == "error" and message["id"] == operation_id, message
    [error] = message["payload"]  # type: ignore[misc]
    return error["extensions"]["code"], error["message"]


async def test_a_committed_change_reaches_a_subscriber_of_its_title_and_region(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("1", [global_id(title)], ["US"])
        await server.until_watching(1)
        change_id = await insert_change(sessions, title.id, "US")
        received = next_change(await client.receive(within=2), "1")
    assert received == {
        "id": change_id,
        "title": {"id": global_id(title)},
        "offer": {"region": "US"},
    }


async def test_an_open_subscription_holds_no_database_connection_between_changes(
    serve_live: ServeLive, sessions: Sessions, title: Title, engine: AsyncEngine
) -> None:
    query = SUBSCRIPTION.replace("title { id }", "title { id name }")
    variables = {"titleIds": [global_id(title)], "regions": ["US"]}
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.subscribe("1", query, variables)
        await server.until_watching(1)
        for _ in range(2):
            await insert_change(sessions, title.id, "US")
            received = next_change(await client.receive(), "1")
            assert received["title"]["name"] == title.name  # type: ignore[index]
        # (SQLite's poller borrows one for a moment every 50 ms.)
        await until(lambda: checked_out(engine) == 0, within=2)


def checked_out(engine: AsyncEngine) -> int:
    count: int = engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined]
    return count


async def test_a_handshake_from_an_unlisted_origin_is_refused(serve_live: ServeLive) -> None:
    async with serve_live(cors_origins="https://app.example") as server:
        async with graphql_ws(server.url, origin="https://app.example"):  # type: ignore[arg-type]
            pass
        with pytest.raises(InvalidStatus) as refused:
            async with graphql_ws(server.url, origin="https://evil.example"):  # type: ignore[arg-type]
                pass
    assert refused.value.response.status_code == 403


async def test_changes_to_other_titles_or_regions_are_not_delivered(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    other = await insert_other_title(sessions)
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("1", [global_id(title)], ["us", "fr"])  # any case
        await server.until_watching(1)
        await insert_change(sessions, title.id, "GB")
        await insert_change(sessions, other, "US")
        wanted = await insert_change(sessions, title.id, "FR")
        assert next_change(await client.receive(), "1")["id"] == wanted  # type: ignore[index]
        assert await client.nothing_within(0.5)


async def test_a_rolled_back_change_is_never_delivered(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    offer = await make_offer(sessions, title)
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("1", [global_id(title)], ["US"])
        await server.until_watching(1)
        async with sessions() as session, session.begin():
            session.add(
                AvailabilityChange(
                    title_id=title.id, offer_id=offer.id, region="US", kind="NEW", at=utc_now()
                )
            )
            await session.flush()
            await session.rollback()
        committed = await insert_change(sessions, title.id, "US")
        assert next_change(await client.receive(), "1")["id"] == committed  # type: ignore[index]
        assert await client.nothing_within(0.5)


async def test_each_subscription_of_a_connection_gets_its_own_changes(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("us", [global_id(title)], ["US"])
        await client.watch("gb", [global_id(title)], ["GB"])
        await server.until_watching(2)
        in_gb = await insert_change(sessions, title.id, "GB")
        in_us = await insert_change(sessions, title.id, "US")
        received = {
            (m["id"], m["payload"]["data"]["availabilityChanged"]["id"])
            for m in [await client.receive(), await client.receive()]
        }
    assert received == {("gb", in_gb), ("us", in_us)}


@pytest.mark.parametrize(
    ("title_count", "regions", "message"),
    [
        (101, ["US"], "`titleIds` must name 1 to 100 titles; it names 101."),
        (0, ["US"], "`titleIds` must name 1 to 100 titles; it names 0."),
        (1, REGION_CODES[:31], "`regions` must name 1 to 30 regions; it names 31."),
        (1, [], "`regions` must name 1 to 30 regions; it names 0."),
        (1, ["USA"], "'USA' is not an ISO 3166-1 alpha-2 region code"),
    ],
)
async def test_arguments_over_the_limits_are_bad_user_input(
    serve_live: ServeLive, title_count: int, regions: list[str], message: str
) -> None:
    title_ids = [encode_id("Title", number) for number in range(1, title_count + 1)]
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("1", title_ids, regions)
        code, text = refusal(await client.receive(), "1")
        assert server.feed.subscriptions == 0
    assert code == "BAD_USER_INPUT" and message in text


async def test_a_hundred_titles_in_thirty_regions_are_accepted(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    title_ids = [encode_id("Title", number) for number in range(1_000_000, 1_000_099)]
    regions = ["US", *[region for region in REGION_CODES if region != "US"][:29]]
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("1", [global_id(title), *title_ids], regions)
        await server.until_watching(1)
        change_id = await insert_change(sessions, title.id, "US")
        assert next_change(await client.receive(), "1")["id"] == change_id  # type: ignore[index]


async def test_an_id_of_another_type_is_bad_user_input(serve_live: ServeLive) -> None:
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("1", [encode_id("Person", 1)], ["US"])
        code, text = refusal(await client.receive(), "1")
    assert code == "BAD_USER_INPUT" and "is not a Title ID" in text


async def test_a_connection_holds_at_most_its_cap_of_subscriptions(
    serve_live: ServeLive, title: Title
) -> None:
    async with (
        serve_live(live_max_subscriptions_per_connection=2) as server,
        graphql_ws(server.url) as client,
    ):
        await client.watch("1", [global_id(title)], ["US"])
        await client.watch("2", [global_id(title)], ["US"])
        await server.until_watching(2)
        await client.watch("3", [global_id(title)], ["US"])
        code, text = refusal(await client.receive(), "3")
        assert code == "BAD_USER_INPUT" and "may hold 2 subscriptions" in text
        await client.send({"id": "1", "type": "complete"})
        await server.until_watching(1)
        await client.watch("3", [global_id(title)], ["US"])
        await server.until_watching(2)


async def test_a_process_holds_at_most_its_cap_of_subscriptions(
    serve_live: ServeLive, title: Title
) -> None:
    async with serve_live(live_max_subscriptions=1) as server:
        async with graphql_ws(server.url) as first, graphql_ws(server.url) as second:
            await first.watch("1", [global_id(title)], ["US"])
            await server.until_watching(1)
            await second.watch("1", [global_id(title)], ["US"])
            code, text = refusal(await second.receive(), "1")
        assert code == "SERVICE_UNAVAILABLE" and "maximum of 1 live subscriptions" in text
        await server.until_watching(0)  # the first left with its connection
        async with graphql_ws(server.url) as third:
            await third.watch("1", [global_id(title)], ["US"])
            await server.until_watching(1)


@pytest.mark.parametrize(
    "document",
    [
        '{ title(slug: "refusenik-2007") { name } }',
        "{ __schema { types { name } } }",
        'mutation { deleteTitle(id: "VGl0bGU6MQ") }',
    ],
)
async def test_queries_and_mutations_are_not_served_over_websocket(
    serve_live: ServeLive, document: str
) -> None:
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.subscribe("1", document)
        code, text = refusal(await client.receive(), "1")
    assert code == "BAD_USER_INPUT" and "Only subscriptions are served over WebSocket" in text


async def test_document_limits_apply_to_subscriptions(serve_live: ServeLive, title: Title) -> None:
    aliased = SUBSCRIPTION.replace("{ id title { id } offer { region } }", "{ a: id b: kind }")
    variables = {"titleIds": [global_id(title)], "regions": ["US"]}
    async with (
        serve_live(max_query_aliases=1, max_query_tokens=100) as server,
        graphql_ws(server.url) as client,
    ):
        await client.subscribe("aliases", aliased, variables)
        message = await client.receive()
        # Refused before the resolver ran: nothing was watched.
        assert message["payload"]["errors"][0]["extensions"] == {  # type: ignore[index]
            "code": "QUERY_TOO_COMPLEX",
            "limit": "aliases",
        }
        assert (await client.receive())["type"] == "complete"
        assert server.feed.subscriptions == 0
        long = SUBSCRIPTION.replace("region }", "region " + "id " * 100 + "}")
        await client.subscribe("tokens", long, variables)
        code, text = refusal(await client.receive(), "tokens")
        assert code == "QUERY_TOO_COMPLEX" and "more than 100 tokens" in text


async def test_persisted_queries_only_mode_runs_only_the_safelist_over_websocket(
    serve_live: ServeLive, sessions: Sessions, title: Title, tmp_path: Path
) -> None:
    safelist = tmp_path / "safelist.json"
    safelist.write_text(json.dumps([SUBSCRIPTION]))
    variables = {"titleIds": [global_id(title)], "regions": ["US"]}
    known = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(SUBSCRIPTION)}}
    async with (
        serve_live(persisted_queries_file=safelist, persisted_queries_only=True) as server,
        graphql_ws(server.url) as client,
    ):
        other = SUBSCRIPTION.replace("offer { region }", "offer { region } kind")
        await client.subscribe("unlisted", other, variables)
        code, _ = refusal(await client.receive(), "unlisted")
        assert code == "PERSISTED_QUERY_NOT_FOUND"
        await client.send(
            {
                "id": "listed",
                "type": "subscribe",
                "payload": {"variables": variables, "extensions": known},
            }
        )
        await server.until_watching(1)
        change_id = await insert_change(sessions, title.id, "US")
        assert next_change(await client.receive(), "listed")["id"] == change_id  # type: ignore[index]


async def test_a_connection_that_never_initialises_is_closed(serve_live: ServeLive) -> None:
    async with (
        serve_live(live_connection_init_timeout_seconds=0.3) as server,
        graphql_ws(server.url, init=False) as client,
    ):
        with pytest.raises(ConnectionClosed) as closed:
            await client.receive(within=3)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_pings_are_answered_and_idle_clients_pinged(serve_live: ServeLive) -> None:
    async with (
        serve_live(live_ping_interval_seconds=0.2) as server,
        graphql_ws(server.url) as client,
    ):
        await client.send({"type": "ping"})
        assert await client.receive() == {"type": "pong"}
        await client.nothing_within(0.7)
        assert client.pings >= 2


async def test_a_websocket_handshake_counts_against_the_rate_limit(serve_live: ServeLive) -> None:
    async with serve_live(rate_limit_per_minute=1, rate_limit_burst=1) as server:
        async with graphql_ws(server.url):
            pass
        with pytest.raises(InvalidStatus) as refused:
            async with graphql_ws(server.url):
                pass
    assert refused.value.response.status_code == 429


async def test_a_subscription_sent_over_http_is_refused(serve_live: ServeLive) -> None:
    async with serve_live() as server, httpx.AsyncClient() as http:
        response = await http.post(
            f"http://127.0.0.1:{server.port}/graphql",
            json={"query": SUBSCRIPTION, "variables": {"titleIds": ["x"], "regions": ["US"]}},
            timeout=5,
        )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "message": SUBSCRIPTIONS_OVER_WEBSOCKET,
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]
    assert server.feed.subscriptions == 0


async def test_disconnecting_ends_every_subscription_and_its_tasks(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    async with serve_live() as server:
        async with graphql_ws(server.url) as warm_up:  # the feed's own task starts once
            await warm_up.watch("1", [global_id(title)], ["US"])
            await server.until_watching(1)
        await server.until_watching(0)
        await asyncio.sleep(0.1)
        tasks_before = len(asyncio.all_tasks())
        async with graphql_ws(server.url) as client:
            for number in range(5):
                await client.watch(str(number), [global_id(title)], ["US"])
            await server.until_watching(5)
            assert len(asyncio.all_tasks()) > tasks_before
        await server.until_watching(0)
        await until(lambda: len(asyncio.all_tasks()) <= tasks_before)
        assert server.feed.hub.watched_titles == 0
        # And the feed still serves the next client.
        async with graphql_ws(server.url) as client:
            await client.watch("1", [global_id(title)], ["US"])
            await server.until_watching(1)
            change_id = await insert_change(sessions, title.id, "US")
            assert next_change(await client.receive(), "1")["id"] == change_id  # type: ignore[index]


async def test_completing_a_subscription_ends_only_that_one(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.watch("1", [global_id(title)], ["US"])
        await client.watch("2", [global_id(title)], ["US"])
        await server.until_watching(2)
        await client.send({"id": "1", "type": "complete"})
        await server.until_watching(1)
        change_id = await insert_change(sessions, title.id, "US")
        assert next_change(await client.receive(), "2")["id"] == change_id  # type: ignore[index]
        assert await client.nothing_within(0.3)


async def insert_other_title(sessions: Sessions) -> int:
    from tests.factories import make_title

    other = await make_title(sessions)
    assert other.id is not None
    return other.id


async def test_an_offer_written_by_a_mutation_is_delivered_with_its_change(
    serve_live: ServeLive, title: Title, editor_key: str
) -> None:
    query = SUBSCRIPTION.replace("{ id title { id } offer { region } }", "{ kind offer { url } }")
    offer = {
        "provider": "netflix",
        "region": "US",
        "monetization": "SUBSCRIPTION",
        "url": "https://www.netflix.com/title/80057281",
    }
    upsert = "mutation($id: ID!, $o: OfferInput!) { upsertOffer(titleId: $id, input: $o) { url } }"
    async with serve_live() as server, graphql_ws(server.url) as client:
        await client.subscribe("1", query, {"titleIds": [global_id(title)], "regions": ["US"]})
        await server.until_watching(1)
        async with httpx.AsyncClient() as http:
            response = await http.post(
                server.url.replace("ws:", "http:"),
                json={"query": upsert, "variables": {"id": global_id(title), "o": offer}},
                headers={"Authorization": f"Bearer {editor_key}"},
            )
        assert "errors" not in response.json(), response.json()
        received = next_change(await client.receive(within=2), "1")
    assert received == {"kind": "NEW", "offer": {"url": offer["url"]}}
