"""`python -m api` logs its own lines with the time, the level and the logger's name."""

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from api.__main__ import main

LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<level>[A-Z]+) (?P<name>\S+): (?P<text>.*)"
)


@pytest.fixture
def root_logger_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    service_level = logging.getLogger("reelgraph").level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("reelgraph").setLevel(service_level)


def test_the_services_log_lines_carry_time_level_and_logger(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], root_logger_restored: None
) -> None:
    def serve(*_: Any, **__: Any) -> None:  # instead of uvicorn: what the app logs
        logging.getLogger("reelgraph.redis").warning("Redis is unreachable (%s)", "refused")
        logging.getLogger("reelgraph").info("started")
        logging.getLogger("reelgraph").debug("not at the default level")
        logging.getLogger("sqlalchemy.engine.Engine").info("SELECT 1")  # not ours: warning up

    monkeypatch.setattr(uvicorn, "run", serve)
    main()
    lines = [LINE.fullmatch(line) for line in capsys.readouterr().err.splitlines()]
    assert all(lines), lines
    assert [(m["level"], m["name"], m["text"]) for m in lines if m] == [
        ("WARNING", "reelgraph.redis", "Redis is unreachable (refused)"),
        ("INFO", "reelgraph", "started"),
    ]
