"""python -m api: serve the app with uvicorn on HOST:PORT (see api.settings, api.http.server)."""

import uvicorn

from api.http.server import uvicorn_options
from api.observability.logs import configure_logging
from api.settings import get_settings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    # An import string and a factory, so that each of WORKERS processes builds its app.
    uvicorn.run("api.http.app:create_app", factory=True, **uvicorn_options(settings))


if __name__ == "__main__":
    main()
