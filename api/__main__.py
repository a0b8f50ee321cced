"""python -m api: serve the app with uvicorn on HOST:PORT (see api.settings)."""

import uvicorn

from api.logs import configure_logging
from api.settings import get_settings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
    )


if __name__ == "__main__":
    main()
