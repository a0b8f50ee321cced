"""Every request has an id (the client's X-Request-ID, or a new one), echoed in the
response; it logs one access line; its numbers are at /metrics; with TRACING on it
leaves spans."""

import io
import logging
import re
from collections.abc import Iterator

import httpx
import orjson
import pytest
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.http.app import create_app
from api.observability.logs import JsonFormatter, RequestIdFilter
from api.settings import Settings
from tests.helpers import NO_LEAK_HOOKS, serve

TITLES = "query TitleNames { titles(first: 2) { edges { node { name } } } }"


async def _post(
    http: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await http.post("/graphql", json={"query": query}, headers=headers or {})


async def test_the_clients_request_id_is_echoed_in_the_header_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    response = await _post(client, TITLES, {"X-Request-ID": "checkout-42"})
    assert response.headers["x-request-id"] == "checkout-42"
    extensions = response.json()["extensions"]
    assert extensions["requestId"] == "checkout-42"
    assert "cost" in extensions  # beside it, not instead


async def test_a_request_without_an_id_gets_a_new_one_each_time(
    client: httpx.AsyncClient,
) -> None:
    first, second = [await _post(client, TITLES) for _ in range(2)]
    ids = [response.headers["x-request-id"] for response in (first, second)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", id_) for id_ in ids)
    assert ids[0] != ids[1]
    assert [r.json()["extensions"]["requestId"] for r in (first, second)] == ids


@pytest.mark.parametrize("unsafe", ["two words", "x" * 129, "new\tline", ""])
async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient, unsafe: str) -> None:
    response = await _post(client, TITLES, {"X-Request-ID": unsafe})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_refusals_outside_graphql_carry_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere", headers={"X-Request-ID": "lost-1"})
    assert response.status_code == 404
    assert response.json()["extensions"] == {"requestId": "lost-1"}


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """The access log as `LOG_FORMAT=json` writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("reelgraph.access")
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    yield stream
    access.removeHandler(handler)
    access.setLevel(level)


async def test_each_request_logs_one_json_line_with_its_id_operation_and_duration(
    client: httpx.AsyncClient, access_lines: io.StringIO
) -> None:
    await _post(client, TITLES, {"X-Request-ID": "logged-7"})
    [line] = [orjson.loads(text) for text in access_lines.getvalue().splitlines()]
    assert line["request_id"] == "logged-7"
    assert line["logger"] == "reelgraph.access"
    assert line["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert (line["operation"], line["outcome"]) == ("TitleNames", "ok")
    assert 0 < line["duration_ms"] < 10_000


def _sample(metrics: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(f"{name}{{{wanted}}}" if labels else name) + r" (\S+)$"
    match = re.search(pattern, metrics, re.MULTILINE)
    return None if match is None else float(match[1])


async def test_metrics_count_requests_by_operation_and_outcome_with_latencies(
    client: httpx.AsyncClient,
) -> None:
    await _post(client, "query MetricsProbe { titles(first: 1) { totalCount } }")
    await _post(client, "query MetricsProbe { titles(first: 1) { noSuchField } }")
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    metrics = response.text
    requests = "reelgraph_requests_total"
    assert _sample(metrics, requests, operation="MetricsProbe", outcome="ok") == 1
    assert _sample(metrics, requests, operation="MetricsProbe", outcome="errors") == 1
    latency = "reelgraph_request_duration_seconds_count"
    assert _sample(metrics, latency, operation="MetricsProbe") == 2
    assert _sample(metrics, "reelgraph_db_pool_connections", pool="reads", state="in_use") == 0


async def test_metrics_count_response_cache_hits_and_misses(database_url: str) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=0)
    async with serve(settings) as http:
        for _ in range(3):
            await _post(http, TITLES)
        metrics = (await http.get("/metrics")).text
    lookups = "reelgraph_response_cache_lookups_total"
    assert _sample(metrics, lookups, result="miss") == 1
    assert _sample(metrics, lookups, result="hit") == 2


async def test_metrics_count_rate_limit_refusals(database_url: str) -> None:
    settings = Settings(database_url=database_url, rate_limit_per_minute=1, rate_limit_burst=1)
    async with serve(settings) as http:
        statuses = [(await _post(http, TITLES)).status_code for _ in range(3)]
        metrics = (await http.get("/metrics")).text  # never limited itself
    assert statuses == [200, 429, 429]
    assert _sample(metrics, "reelgraph_rate_limit_refusals_total") == 2


async def test_metrics_can_be_turned_off(database_url: str) -> None:
    async with serve(Settings(database_url=database_url, metrics=False)) as http:
        assert (await http.get("/metrics")).status_code == 404


async def test_with_tracing_on_an_operation_and_its_sql_statements_are_spans(
    database_url: str,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = Settings(database_url=database_url, tracing=True, response_cache_seconds=0)
    app = create_app(settings, tracer_provider=provider)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://testserver", event_hooks=NO_LEAK_HOOKS
        ) as http,
    ):
        assert (await _post(http, TITLES)).status_code == 200
    spans = exporter.get_finished_spans()
    [operation] = [span for span in spans if span.name == "query TitleNames"]
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.name"] == "TitleNames"
    statements = [span for span in spans if span.parent is not None and "SELECT" in span.name]
    assert statements, [span.name for span in spans]
    assert all(span.context.trace_id == operation.context.trace_id for span in statements)


def test_tracing_is_off_by_default_and_adds_no_middleware(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    assert not Settings(database_url=database_url).tracing
    assert OpenTelemetryMiddleware not in [entry.cls for entry in app.user_middleware]
