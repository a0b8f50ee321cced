"""A process that uses no Redis never loads redis-py (20 MiB of modules per worker)."""

import subprocess
import sys

PROGRAM = """
import sys
from api.http.app import create_app
from api.settings import Settings
create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", redis_url=REDIS_URL))
print(sorted({name.split(".")[0] for name in sys.modules} & {"redis", "opentelemetry"}))
"""


def _loaded(redis_url: str | None) -> str:
    program = PROGRAM.replace("REDIS_URL", repr(redis_url))
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_without_redis_no_redis_module_is_loaded() -> None:
    assert _loaded(None) == "[]"


def test_with_redis_it_is() -> None:
    assert "redis" in _loaded("redis://127.0.0.1:6379/0")
