"""OpenTelemetry traces, off unless `TRACING=true`: a span per HTTP request, named for
its GraphQL operation, and one per SQL statement. The exporter follows the standard
variables: `OTEL_TRACES_EXPORTER` (`otlp`, the default, over HTTP/protobuf, or
`console`), `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`...

When off nothing here runs: no middleware, no event listeners on the engines.
"""

import os

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware

SERVICE_NAME = "reelgraph"


def tracer_provider_from_environment() -> TracerProvider:
    resource = Resource.create({"service.name": SERVICE_NAME})  # OTEL_SERVICE_NAME wins
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(_exporter()))
    return provider


def _exporter() -> SpanExporter:
    name = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",")[0].strip()
    if name == "console":
        return ConsoleSpanExporter()
    if name != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER={name!r}: use otlp or console")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def http_tracing(provider: TracerProvider) -> Middleware:
    return Middleware(
        OpenTelemetryMiddleware, tracer_provider=provider, exclude_spans=["receive", "send"]
    )


def trace_statements(provider: TracerProvider, *engines: AsyncEngine) -> None:
    tracer = provider.get_tracer("reelgraph.sql")
    connections = NoOpMeter("reelgraph.sql").create_up_down_counter("db.client.connections.usage")
    for sync_engine in {engine.sync_engine for engine in engines}:
        EngineTracer(tracer, sync_engine, connections)  # type: ignore[no-untyped-call]


def name_operation_span(operation_type: str, operation_name: str | None) -> None:
    """The request's span is named for its GraphQL operation (`query TitlePage`)."""
    span = trace.get_current_span()
    span.update_name(f"{operation_type} {operation_name or 'anonymous'}")
    span.set_attribute("graphql.operation.type", operation_type)
    if operation_name is not None:
        span.set_attribute("graphql.operation.name", operation_name)
