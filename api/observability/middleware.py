"""Per request, as pure ASGI middleware: its id (`X-Request-ID`, echoed), one access
log line (`reelgraph.access`) and its metrics (api/observability/metrics.py).

Outcomes: `ok`; `errors`, a 2xx GraphQL response that carries errors; `refused`, a
4xx; `failed`, a 5xx.
"""

import logging
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability.metrics import Metrics
from api.observability.request_ids import Exchange, current_exchange, request_id_from

logger = logging.getLogger("reelgraph.access")

_HEADER = b"x-request-id"


class Observability:
    def __init__(
        self, app: ASGIApp, *, metrics: Metrics | None, unmeasured: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.unmeasured = frozenset(unmeasured)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        exchange = Exchange(request_id_from(_header(scope, _HEADER)))
        echoed = (_HEADER, exchange.request_id.encode())
        status = 500  # unless a response starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        token = current_exchange.set(exchange)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, exchange, status)
            current_exchange.reset(token)

    def _record(self, scope: Scope, exchange: Exchange, status: int) -> None:
        seconds = time.perf_counter() - exchange.started
        outcome = _outcome(status, exchange.errors)
        if self.metrics is not None and scope["path"] not in self.unmeasured:
            self.metrics.observe(exchange.operation, outcome, seconds)
        if logger.isEnabledFor(logging.INFO):
            fields = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "operation": exchange.operation,
                "outcome": outcome,
                "duration_ms": round(seconds * 1000, 3),
            }
            logger.info(
                "%s %s %s %s %s %.1f ms",
                scope["method"],
                scope["path"],
                status,
                exchange.operation or "-",
                outcome,
                seconds * 1000,
                extra={"fields": fields},
            )


def _outcome(status: int, errors: bool) -> str:
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    return "errors" if errors else "ok"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
