"""The ASGI application: GraphQL endpoint, GraphiQL assets and health probes."""

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry import Schema

from api.core.errors import INTERNAL_MESSAGE, ErrorCode, error_body
from api.core.limits import DocumentLimits
from api.core.reads import autocommit
from api.core.redis_client import SharedRedis
from api.core.response_cache import MemoryResponseCache, RedisResponseCache, ResponseCache
from api.http.compression import Compression
from api.http.graphiql import STATIC_DIR
from api.http.graphql_view import (
    GRAPHQL_PATH,
    STATIC_PATH,
    GraphQLEndpoint,
    LiveOptions,
    http_error,
)
from api.http.middleware import RateLimit, RequestLimits
from api.http.persisted_queries import PersistedQueries, load_safelist
from api.http.rate_limit import ActiveKeys, RateLimiter, create_rate_limiter
from api.keys import is_active_hash
from api.live.feed import create_change_feed
from api.live.metrics import LiveCollector
from api.observability.metrics import Metrics
from api.observability.middleware import Observability
from api.planning.leases import leases
from api.planning.plans import QueryPlans
from api.schema import create_schema
from api.settings import Settings, get_settings
from models.db import create_engine, create_sessionmaker

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

READINESS_TIMEOUT_SECONDS = 2.0
# Each aiosqlite connection is a thread of its own, and a thread more than the cores
# can use only contends with the event loop for the GIL: with 4 read connections
# instead of SQLAlchemy's 5 plus 10 overflow, the bench's person page served 24% more
# requests on 2 cores. Requests beyond 4 at once wait for a connection.
SQLITE_READERS = 4

logger = logging.getLogger("reelgraph")


def create_app(
    settings: Settings | None = None,
    engine: AsyncEngine | None = None,
    tracer_provider: "TracerProvider | None" = None,
    schema: Schema | None = None,
) -> Starlette:
    """`engine`: share a caller's engine (tests); reads then share its pool too.
    `tracer_provider`: where spans go when TRACING is on (default: the OTEL_* variables).
    `schema`: instead of `create_schema(settings)`."""
    settings = settings or get_settings()
    if engine is None:
        engine = create_engine(settings.database_url, **_pool_options(settings, ping=True))
        reads = create_engine(settings.database_url, **_read_pool_options(settings))
    else:
        reads = autocommit(engine)
    sessions = create_sessionmaker(engine)
    schema = schema or create_schema(settings)
    live = create_change_feed(settings, engine)
    metrics = Metrics({"writes": engine, "reads": reads}) if settings.metrics else None
    if metrics is not None:
        metrics.registry.register(LiveCollector(live))
    tracing: list[Middleware] = []
    if settings.tracing:  # imported only when on: off costs nothing
        from api.observability.tracing import (
            http_tracing,
            trace_statements,
            tracer_provider_from_environment,
        )

        tracer_provider = tracer_provider or tracer_provider_from_environment()
        trace_statements(tracer_provider, engine, reads)
        tracing.append(http_tracing(tracer_provider))
    uses_redis = settings.rate_limit_per_minute > 0 or settings.response_cache_seconds > 0
    redis = SharedRedis(settings.redis_url) if settings.redis_url and uses_redis else None
    graphql = GraphQLEndpoint(
        schema,
        sessions,
        reads,
        graphiql=settings.graphiql,
        persisted=create_persisted_queries(settings, schema),
        cache=create_response_cache(settings, redis),
        plans=create_query_plans(settings, schema, reads),
        http_max_age=settings.http_cache_max_age,
        max_tokens=settings.max_query_tokens,
        metrics=metrics,
        tracing=settings.tracing,
        batch_max_operations=settings.batch_max_operations,
        live=LiveOptions(
            feed=live,
            max_per_connection=settings.live_max_subscriptions_per_connection,
            connection_init_timeout=settings.live_connection_init_timeout_seconds,
            ping_interval=settings.live_ping_interval_seconds,
            allowed_origins=settings.cors_origin_list,
        ),
    )
    limiter = create_rate_limiter(settings, redis)
    keys = ActiveKeys(functools.partial(is_active_hash, reads))

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure means "not ready", never a 500
            logger.warning("readiness check failed: %r", error)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def home(_: Request) -> Response:
        return RedirectResponse(GRAPHQL_PATH)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        _settle_garbage_collector()
        if redis is not None:
            await redis.start()
        yield
        await live.aclose()
        await leases(reads).release()  # before any dispose: `reads` may share `engine`'s pool
        await engine.dispose()
        await reads.dispose()
        if limiter is not None:
            await limiter.aclose()
        if graphql.cache is not None:
            await graphql.cache.close()
        if redis is not None:
            await redis.aclose()

    app = Starlette(
        routes=[
            Route(GRAPHQL_PATH, graphql, methods=["GET", "POST"]),
            WebSocketRoute(GRAPHQL_PATH, graphql),
            Mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="graphiql"),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/", home),
            *([Route("/metrics", metrics.endpoint)] if metrics is not None else []),
        ],
        exception_handlers={HTTPException: _http_error, 500: _internal_error},
        lifespan=lifespan,
        middleware=[*tracing, *_middleware(settings, limiter, keys, metrics)],
    )
    app.state.live = live
    return app


def _settle_garbage_collector() -> None:
    """Keep the cyclic garbage collector off the long-lived objects (schema, modules,
    pools): frozen after start-up, they are left out of its scans, and a higher first
    threshold makes it run less often. Full collections over the whole heap were the
    p99 of big pages; with the start-up objects frozen, one takes 6-13 ms.

    Planned requests leave no cycles and start no collection. Those strawberry answers
    leave some (SQLAlchemy expressions are cycles with their comparators: ~0.6 MB a
    browse page), and a long request's objects reach the oldest generation before they
    become garbage: a full collection every 100 young ones (it was every 1,000) kept a
    server's RSS at 151 MiB where it climbed to 178 MiB over the same 460 requests."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 5)


def create_response_cache(settings: Settings, redis: SharedRedis | None) -> ResponseCache | None:
    if settings.response_cache_seconds == 0:
        return None
    if redis is not None:
        return RedisResponseCache(
            redis, settings.response_cache_seconds, settings.response_cache_key_prefix
        )
    return MemoryResponseCache(
        settings.response_cache_seconds,
        settings.response_cache_max_entries,
        settings.response_cache_max_bytes,
    )


def create_query_plans(
    settings: Settings, schema: Schema, engine: AsyncEngine
) -> QueryPlans | None:
    if not settings.compiled_queries:
        return None
    return QueryPlans(schema, engine, DocumentLimits.from_settings(settings))


def create_persisted_queries(settings: Settings, schema: Schema) -> PersistedQueries:
    path = settings.persisted_queries_file
    safelist = load_safelist(path) if path is not None else {}
    return PersistedQueries(
        safelist,
        safelist_only=settings.persisted_queries_only,
        schema=schema._schema,
        max_tokens=settings.max_query_tokens,
        max_bytes=settings.persisted_queries_max_bytes,
    )


def _middleware(
    settings: Settings, limiter: RateLimiter | None, keys: ActiveKeys, metrics: Metrics | None
) -> list[Middleware]:
    """Outermost first: every response gets a request id and a log line; CORS answers
    preflights and marks refusals too; refuse a client over its rate before reading
    its body."""
    stack = [Middleware(Observability, metrics=metrics, unmeasured=("/metrics",))]
    if settings.cors_origin_list:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origin_list,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                expose_headers=["X-Request-ID", "Retry-After"],
                max_age=600,
            )
        )
    if settings.compression:
        stack.append(Middleware(Compression, minimum_size=settings.compression_min_bytes))
    if limiter is not None:
        exempt = ("/healthz", "/readyz", "/metrics")
        refused = metrics.rate_limited.inc if metrics is not None else None
        stack.append(
            Middleware(RateLimit, limiter=limiter, keys=keys, exempt=exempt, on_refusal=refused)
        )
    stack.append(
        Middleware(
            RequestLimits,
            max_body_bytes=settings.max_body_bytes,
            timeout_seconds=settings.request_timeout_seconds,
        )
    )
    return stack


async def _http_error(_: Request, error: Exception) -> Response:
    """Starlette's own refusals (404, 405...) in the API's JSON error shape, not text."""
    assert isinstance(error, HTTPException)
    if error.status_code in {204, 304}:  # no body allowed
        return Response(status_code=error.status_code, headers=error.headers)
    return http_error(error.status_code, error.detail, error.headers)


async def _internal_error(_: Request, error: Exception) -> Response:
    logger.error("unhandled error", exc_info=error)
    body = error_body(INTERNAL_MESSAGE, ErrorCode.INTERNAL_SERVER_ERROR)
    return JSONResponse(body, status_code=500)


def _read_pool_options(settings: Settings) -> dict[str, Any]:
    """Reads get a pool of their own whose connections stay in autocommit: no
    transaction to begin, and none to roll back when a connection goes back to the pool
    (on SQLite that rollback was a second trip to the connection's thread per request).
    They are pinged only after an idle spell."""
    options = _pool_options(settings, ping=False)
    options.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # (an in-memory database is one connection SQLAlchemy shares: no pool to size)
        options.update(pool_size=SQLITE_READERS, max_overflow=0)
    return options


def _pool_options(settings: Settings, ping: bool) -> dict[str, Any]:
    """`ping`: check every connection taken from the pool (else see ping_when_idle)."""
    if settings.database_url.startswith("sqlite"):
        # SQLite has no statement timeout: a slow statement runs to its end in
        # aiosqlite's thread; only REQUEST_TIMEOUT_SECONDS bounds the response.
        return {}
    statement_timeout_ms = max(1, round(settings.db_statement_timeout_seconds * 1000))
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        # A database that goes away answers SERVICE_UNAVAILABLE within these bounds,
        # and pooled connections it dropped are replaced once it is back (models/db.py).
        "pool_timeout": settings.db_pool_timeout_seconds,
        "pool_pre_ping": ping,
        "connect_args": {
            "timeout": settings.db_connect_timeout_seconds,  # TCP connect + startup + auth
            "command_timeout": settings.db_command_timeout_seconds,  # a silent connection
            # The server cancels a longer statement (SQLSTATE 57014: SERVICE_UNAVAILABLE).
            "server_settings": {"statement_timeout": str(statement_timeout_ms)},
        },
    }
