"""python -m api: serve the app with uvicorn on HOST:PORT (see api.settings, api.http.server).

With WORKERS > 1 the process binds the socket and becomes their supervisor
(api/http/supervisor.py); each worker runs `python -m api --fd N` on that socket.
"""

import argparse
import socket

import uvicorn

from api.http.server import uvicorn_options
from api.http.supervisor import supervise
from api.observability.logs import configure_logging
from api.settings import get_settings

# An import string and a factory, so that each worker process builds its own app.
APP = "api.http.app:create_app"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m api")
    parser.add_argument("--fd", type=int, help="serve this bound socket (a worker's)")
    fd = parser.parse_args().fd
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    options = uvicorn_options(settings)
    if fd is not None:
        server = uvicorn.Server(uvicorn.Config(APP, factory=True, **options))
        server.run(sockets=[socket.socket(fileno=fd)])
    elif settings.workers > 1:
        listening = uvicorn.Config(APP, factory=True, **options).bind_socket()
        supervise(listening.fileno(), settings.workers, settings.log_level, settings.log_format)
    else:
        uvicorn.run(APP, factory=True, **options)


if __name__ == "__main__":
    main()
