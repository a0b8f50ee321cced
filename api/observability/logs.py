"""Log lines of `python -m api` on stderr: UTC time, level, logger name, message, and
the request id of the request being served.

`LOG_FORMAT`: `json` (one object a line, with the fields a line carries, e.g. an
access line's method, path, status, operation, duration_ms), `text`, or `auto`:
text on a terminal, JSON otherwise. The service's own loggers (`reelgraph.*`) and
uvicorn's log at `LOG_LEVEL`; everything else from `warning` up (an INFO root
logger would make SQLAlchemy log every statement). uvicorn is handed the same
configuration (`log_config`), so that each worker process logs alike.
"""

import logging
import logging.config
import sys
import time
from typing import Any, Literal

import orjson

from api.observability.request_ids import current_request_id

TEXT_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
HANDLER_NAME = "reelgraph"

LogFormat = Literal["auto", "json", "text"]


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT, DATE_FORMAT)
        self.converter = time.gmtime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime(DATE_FORMAT, time.gmtime(record.created))
        entry: dict[str, Any] = {
            "time": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def resolved_format(log_format: LogFormat) -> Literal["json", "text"]:
    if log_format == "auto":
        return "text" if sys.stderr.isatty() else "json"
    return log_format


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` configuration (also uvicorn's `log_config`)."""
    formatter = JsonFormatter if resolved_format(log_format) == "json" else TextFormatter
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"line": {"()": formatter}},
        "handlers": {
            HANDLER_NAME: {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["request_id"],
            }
        },
        "root": {"level": "WARNING", "handlers": [HANDLER_NAME]},
        "loggers": {
            "reelgraph": {"level": level},
            "uvicorn": {"level": level},
        },
    }


def configure_logging(level: str, log_format: LogFormat = "auto") -> None:
    root = logging.getLogger()
    if any(handler.name == HANDLER_NAME for handler in root.handlers):
        return  # configured already
    logging.config.dictConfig(logging_config(level, log_format))
