"""Prometheus metrics, one registry per app (served at `/metrics`).

`operation` labels are GraphQL operation names, which clients choose: the first
`MAX_OPERATIONS` distinct names keep their own series, later ones count as `other`.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response

from api.planning.leases import kept_idle

MAX_OPERATIONS = 200
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# From a cached answer (~0.2 ms) to the request timeout.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self, engines: dict[str, AsyncEngine]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "reelgraph_requests",
            "HTTP requests by GraphQL operation and outcome (ok, errors, refused, failed)",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "reelgraph_request_duration_seconds",
            "Time from a request's arrival to its response's last byte",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cache_lookups = Counter(
            "reelgraph_response_cache_lookups",
            "Response cache lookups by result (hit, miss)",
            ["result"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "reelgraph_rate_limit_refusals",
            "Requests refused with 429 by the rate limiter",
            registry=self.registry,
        )
        self.registry.register(_PoolCollector(engines))
        self._operations: set[str] = set()
        # Each series' child, so that a request costs two dict lookups, not `labels()`.
        self._counted: dict[tuple[str, str], Any] = {}
        self._timed: dict[str, Any] = {}

    def observe(self, operation: str | None, outcome: str, seconds: float) -> None:
        label = self._operation_label(operation)
        counted = self._counted.get((label, outcome))
        if counted is None:
            counted = self._counted[label, outcome] = self.requests.labels(label, outcome)
        timed = self._timed.get(label)
        if timed is None:
            timed = self._timed[label] = self.latency.labels(label)
        counted.inc()
        timed.observe(seconds)

    def _operation_label(self, operation: str | None) -> str:
        if operation is None:
            return "none"  # not a GraphQL operation (health probes, assets...)
        if operation in self._operations:
            return operation
        if len(self._operations) >= MAX_OPERATIONS:
            return "other"
        self._operations.add(operation)
        return operation

    async def endpoint(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)


class _PoolCollector(Collector):
    """Connections of each pool, read when scraped (nothing to count per request)."""

    def __init__(self, engines: dict[str, AsyncEngine]) -> None:
        self.engines = engines

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "reelgraph_db_pool_connections",
            "Database connections by pool (writes, reads) and state (in_use, idle)",
            labels=["pool", "state"],
        )
        for name, engine in self.engines.items():
            for state, count in _pool_counts(engine):
                gauge.add_metric([name, state], count)
        yield gauge


def _pool_counts(engine: AsyncEngine) -> Iterable[tuple[str, int]]:
    pool = engine.sync_engine.pool
    checked_out = getattr(pool, "checkedout", None)
    checked_in = getattr(pool, "checkedin", None)
    if callable(checked_out) and callable(checked_in):  # QueuePool: other pools keep none
        kept = kept_idle(engine)  # checked out, but waiting for the next planned read
        yield "in_use", int(checked_out()) - kept
        yield "idle", int(checked_in()) + kept
