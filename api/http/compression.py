"""Response compression, as pure ASGI middleware: brotli for clients that accept `br`,
else gzip (Starlette's), for bodies of at least `minimum_size` bytes (GraphQL
responses and GraphiQL's assets alike).

Levels are chosen for CPU, not for the last percent: brotli quality 4 and gzip
level 6 compress a large page within a millisecond or two.
"""

import brotli
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Receive, Scope, Send

BROTLI_QUALITY = 4
GZIP_LEVEL = 6


class BrotliResponder(IdentityResponder):
    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        super().__init__(app, minimum_size)
        self.compressor = brotli.Compressor(quality=BROTLI_QUALITY)

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        compressed: bytes = self.compressor.process(body)
        if more_body:  # the stubs lack `flush`, which brotli has
            flushed: bytes = self.compressor.flush()  # type: ignore[attr-defined]
            return compressed + flushed
        return compressed + self.compressor.finish()


class Compression:
    def __init__(self, app: ASGIApp, *, minimum_size: int) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        accepted = _codings(Headers(scope=scope).get("accept-encoding", ""))
        responder: ASGIApp
        if "br" in accepted:
            responder = BrotliResponder(self.app, self.minimum_size)
        elif "gzip" in accepted:
            responder = GZipResponder(self.app, self.minimum_size, compresslevel=GZIP_LEVEL)
        else:  # nothing to compress: the response passes untouched
            return await self.app(scope, receive, send)
        await responder(scope, receive, send)


def _codings(header: str) -> set[str]:
    """The content codings a client accepts (`q=0` refuses one)."""
    codings = set()
    for item in header.split(","):
        name, _, parameters = item.partition(";")
        quality = parameters.strip().removeprefix("q=").strip()
        if quality and _is_zero(quality):
            continue
        codings.add(name.strip().lower())
    return codings


def _is_zero(quality: str) -> bool:
    try:
        return float(quality) == 0
    except ValueError:
        return False
