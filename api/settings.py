"""The one place that reads configuration (environment variables or `.env`)."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./reelgraph.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # The server (api/http/server.py): uvicorn worker processes, and how long a connection
    # may take to send a request head, or stay idle between requests.
    workers: int = Field(default=1, ge=1, le=64)
    header_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    keep_alive_timeout_seconds: int = Field(default=5, ge=1, le=300)
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or
    # networks, `*` for any); empty: none, the peer's address is the client's.
    forwarded_allow_ips: str = ""
    graphiql: bool = Field(default=True, description="serve the GraphiQL playground")
    max_query_depth: int = Field(default=12, ge=2, le=50)
    # Document limits (api/core/limits.py): over any of them is QUERY_TOO_COMPLEX.
    max_query_aliases: int = Field(default=30, ge=0, le=1000)
    max_query_tokens: int = Field(default=2000, ge=100, le=100_000)
    max_query_nodes: int = Field(default=25_000, ge=100, le=10_000_000)
    introspection: bool = Field(default=True, description="answer __schema and __type")
    # HTTP limits (api/http/middleware.py).
    max_body_bytes: int = Field(default=100_000, ge=1_000, le=10_000_000)
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    # PostgreSQL only: the server cancels a longer statement (SQLite has no such limit).
    db_statement_timeout_seconds: float = Field(default=5.0, ge=0.001, le=600)
    # Rate limiting per API key or client address (api/http/rate_limit.py); 0 turns it off.
    rate_limit_per_minute: int = Field(default=600, ge=0, le=1_000_000)
    rate_limit_burst: int = Field(default=100, ge=1, le=1_000_000)
    redis_url: str | None = Field(
        default=None, description="share rate limits and the response cache between replicas"
    )
    rate_limit_key_prefix: str = Field(default="reelgraph:ratelimit:", min_length=1, max_length=100)
    # Whole-response cache of read queries (api/core/response_cache.py); 0 turns it off.
    # In process, bounded by entries and by the bytes they hold, as measured: 32 MB
    # holds ~3,700 title pages, 10,000 tiny answers (the most) ~6.5 MB.
    response_cache_seconds: int = Field(default=60, ge=0, le=86_400)
    response_cache_max_entries: int = Field(default=10_000, ge=1, le=10_000_000)
    response_cache_max_bytes: int = Field(default=32_000_000, ge=100_000, le=10_000_000_000)
    response_cache_key_prefix: str = Field(default="reelgraph:cache:", min_length=1, max_length=100)
    # Cache-Control max-age of GET answers to queries (browsers and CDNs).
    http_cache_max_age: int = Field(default=60, ge=0, le=86_400)
    # Answer read queries by plan, one SQL statement each (api/planning/); false: every
    # query runs through strawberry's reference resolvers.
    compiled_queries: bool = True
    # Image URLs are this prefix and an image's stored path (models/images.py).
    # Persisted queries (api/http/persisted_queries.py): the safelist, and whether only it runs.
    persisted_queries_file: Path | None = None
    persisted_queries_only: bool = False
    # Bytes of documents registered by clients (APQ) kept at most (least recently used go).
    persisted_queries_max_bytes: int = Field(default=10_000_000, ge=100_000, le=1_000_000_000)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    # PostgreSQL only: bounds that turn an unreachable database into a quick
    # SERVICE_UNAVAILABLE instead of a hung request.
    db_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    db_command_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Images are stored as paths relative to this; the service serves no image bytes.
    image_base_url: str = Field(
        default="https://images.example.com", description="where image paths are served"
    )
    # api/observability/logs.py: `auto` is text on a terminal, JSON lines otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    # Prometheus metrics at /metrics (api/observability/metrics.py).
    metrics: bool = True
    # OpenTelemetry traces (api/observability/tracing.py), exported as the OTEL_* variables say.
    tracing: bool = False
    # Browser origins allowed to call the API (comma-separated, `*` for any); empty: none.
    cors_origins: str = ""
    # brotli or gzip for responses of at least COMPRESSION_MIN_BYTES (api/http/compression.py).
    compression: bool = True
    compression_min_bytes: int = Field(default=1000, ge=0, le=10_000_000)
    # Operations a POSTed JSON array may hold (answered in one response); 0: no batching.
    batch_max_operations: int = Field(default=0, ge=0, le=100)
    # Live subscriptions over graphql-transport-ws on /graphql (api/live/): at most this
    # many per process and per connection; a connection must send `connection_init`
    # within the timeout; idle connections are pinged (also at the WebSocket level).
    live_max_subscriptions: int = Field(default=10_000, ge=0, le=1_000_000)
    live_max_subscriptions_per_connection: int = Field(default=20, ge=1, le=1_000)
    live_connection_init_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    live_ping_interval_seconds: float = Field(default=20.0, gt=0, le=600)
    # How changes reach each process: SQLite is polled this often; on PostgreSQL the
    # listening connection is checked this often when quiet (a silent network drop).
    live_poll_interval_seconds: float = Field(default=0.2, gt=0, le=10)
    live_check_interval_seconds: float = Field(default=10.0, gt=0, le=600)

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @field_validator("database_url")
    @classmethod
    def async_driver_only(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "DATABASE_URL must use an async driver: sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def redis_scheme_only(cls, value: str | None) -> str | None:
        if not value:  # unset or empty: in-process rate limiting
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return value

    @field_validator("image_base_url")
    @classmethod
    def image_base_is_http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("IMAGE_BASE_URL must start with https:// or http://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def workers_share_the_cache(self) -> "Settings":
        # Each process keeps its own in-memory cache: a write would invalidate only
        # the worker that made it, and the others would serve stale answers.
        if self.workers > 1 and self.response_cache_seconds > 0 and not self.redis_url:
            raise ValueError("WORKERS > 1 needs REDIS_URL or RESPONSE_CACHE_SECONDS=0")
        return self

    @model_validator(mode="after")
    def safelist_needs_a_file(self) -> "Settings":
        if self.persisted_queries_only and self.persisted_queries_file is None:
            raise ValueError("PERSISTED_QUERIES_ONLY needs PERSISTED_QUERIES_FILE")
        return self


@cache
def get_settings() -> Settings:
    return Settings()
