"""`python -m tests.live.server`: `python -m api` serving the tests' subscription."""

import uvicorn
from starlette.applications import Starlette

from api.app import create_app
from api.logs import configure_logging
from api.server import uvicorn_options
from api.settings import get_settings
from tests.live.schema import live_schema


def create_live_app() -> Starlette:
    settings = get_settings()
    return create_app(settings, schema=live_schema(settings))


if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run("tests.live.server:create_live_app", factory=True, **uvicorn_options(settings))
