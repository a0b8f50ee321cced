"""`python -m api` logs its own lines with the time, the level and the logger's name,
as JSON or text (LOG_FORMAT)."""

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
import uvicorn

from api.__main__ import main
from api.observability.request_ids import Exchange, current_exchange
from api.settings import get_settings

LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<level>[A-Z]+) (?P<name>\S+): (?P<text>.*)"
)


@pytest.fixture
def log_format(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets LOG_FORMAT for `main()` (which reads the settings once)."""

    def choose(value: str) -> None:
        monkeypatch.setenv("LOG_FORMAT", value)
        get_settings.cache_clear()

    yield choose
    get_settings.cache_clear()


@pytest.fixture
def root_logger_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    service_level = logging.getLogger("reelgraph").level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("reelgraph").setLevel(service_level)


def _serve_and_log(*_: Any, **__: Any) -> None:  # instead of uvicorn: what the app logs
    logging.getLogger("reelgraph.redis").warning("Redis is unreachable (%s)", "refused")
    logging.getLogger("reelgraph").info("started")
    logging.getLogger("reelgraph").debug("not at the default level")
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT 1")  # not ours: warning up


def test_json_log_lines_carry_time_level_logger_and_the_request_id(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    root_logger_restored: None,
    log_format: Callable[[str], None],
) -> None:
    def serve(*_: Any, **__: Any) -> None:
        _serve_and_log()
        token = current_exchange.set(Exchange("req-9"))
        logging.getLogger("reelgraph.http").warning("inside a request")
        current_exchange.reset(token)

    log_format("json")
    monkeypatch.setattr(uvicorn, "run", serve)
    main()
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("WARNING", "reelgraph.redis", "Redis is unreachable (refused)"),
        ("INFO", "reelgraph", "started"),
        ("WARNING", "reelgraph.http", "inside a request"),
    ]
    assert [line.get("request_id") for line in lines] == [None, None, "req-9"]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"]) for line in lines
    )


def test_the_services_log_lines_carry_time_level_and_logger(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    root_logger_restored: None,
    log_format: Callable[[str], None],
) -> None:
    log_format("text")
    monkeypatch.setattr(uvicorn, "run", _serve_and_log)
    main()
    lines = [LINE.fullmatch(line) for line in capsys.readouterr().err.splitlines()]
    assert all(lines), lines
    assert [(m["level"], m["name"], m["text"]) for m in lines if m] == [
        ("WARNING", "reelgraph.redis", "Redis is unreachable (refused)"),
        ("INFO", "reelgraph", "started"),
    ]
