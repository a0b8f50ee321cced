"""The HTTP ceiling: a bare Starlette endpoint answering precomputed JSON.

`POST /<workload>` answers `$CEILING_BODIES/<workload>.json`, which the driver
fills with Reelgraph's own response to that workload: same bytes, no GraphQL,
no database. Serve with `uvicorn --factory bench.ceiling:create_app`.
"""

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app() -> Starlette:
    folder = Path(os.environ["CEILING_BODIES"])
    bodies = {path.stem: path.read_bytes() for path in folder.glob("*.json")}

    async def answer(request: Request) -> Response:
        await request.body()  # a real endpoint reads the document it is sent
        body = bodies.get(request.path_params["workload"])
        if body is None:
            return Response(status_code=404)
        return Response(body, media_type="application/json")

    async def ready(_: Request) -> Response:
        return Response(b'{"status":"ready"}', media_type="application/json")

    return Starlette(
        routes=[Route("/readyz", ready), Route("/{workload}", answer, methods=["POST"])]
    )
