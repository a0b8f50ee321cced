"""Log lines of `python -m api`: UTC time, level, logger name, message, on stderr.

The service's own loggers (`reelgraph.*`) log at `LOG_LEVEL`; everything else
from `warning` up (an INFO root logger would make SQLAlchemy log every statement).
uvicorn configures its own loggers.
"""

import logging
import time

FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
HANDLER_NAME = "reelgraph"


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if any(handler.name == HANDLER_NAME for handler in root.handlers):
        return  # configured already
    formatter = logging.Formatter(FORMAT, DATE_FORMAT)
    formatter.converter = time.gmtime
    handler = logging.StreamHandler()
    handler.name = HANDLER_NAME
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("reelgraph").setLevel(level.upper())
