"""The id of each request: the client's `X-Request-ID` when it is a sane token, else a
new one. It is echoed in the response's header and `extensions`, and in log lines."""

import contextvars
import itertools
import os
import re
import time
from dataclasses import dataclass, field

REQUEST_ID_HEADER = "x-request-id"
# Ids end up in logs and headers: printable token characters only, of a bounded length.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")


@dataclass(slots=True)
class Exchange:
    """What the layers of one request learn about it, for its log line and metrics."""

    request_id: str
    started: float = field(default_factory=time.perf_counter)
    operation: str | None = None  # the GraphQL operation's name, "anonymous" without one
    errors: bool = False  # a GraphQL response that carries errors


current_exchange: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "current_exchange", default=None
)


def request_id_from(header: str | None) -> str:
    if header is not None and _ACCEPTED.fullmatch(header):
        return header
    return f"{_prefix}{next(_sequence):016x}"


# New ids: a random prefix per process and a counter, 32 hex digits in all. Unique
# without a system call per request (secrets' was a fiftieth of a small request).
# os.urandom is what `secrets` reads, without loading OpenSSL's hashes (`secrets`
# imports hmac) into processes that need none: the WORKERS supervisor logs with this.
def _new_prefix() -> None:
    global _prefix, _sequence
    _prefix, _sequence = os.urandom(8).hex(), itertools.count()


_prefix: str
_sequence: "itertools.count[int]"
_new_prefix()
os.register_at_fork(after_in_child=_new_prefix)


def current_request_id() -> str | None:
    exchange = current_exchange.get()
    return None if exchange is None else exchange.request_id
