"""WORKERS > 1: worker processes serving one listening socket, and a small process
watching them.

uvicorn's own supervisor spawned its workers through multiprocessing: 52 MiB before
any worker served (uvicorn, pydantic and asyncio's ssl loaded only to supervise, and
multiprocessing's resource tracker, a process of its own). So `python -m api` binds
the socket, then replaces itself (exec) with this module, which loads the standard
library's process modules and logging (~11 MiB) and starts `python -m api --fd N`
workers; each inherits the socket and serves it with uvicorn.

SIGTERM or SIGINT: every worker finishes the requests it has and exits, then so does
the supervisor. SIGHUP: each worker in turn is replaced by a new one (which reads the
settings again), the old one finishing its requests. A worker that dies is replaced;
one that fails within its first seconds (a setting it refuses, a file it cannot
read) would fail again, so the supervisor stops the others and exits with the failure.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import get_args

from api.observability.logs import LogFormat, configure_logging

STARTUP_SECONDS = 5.0  # a worker exiting sooner failed to start
POLL_SECONDS = 0.2

logger = logging.getLogger("reelgraph.supervisor")


class Supervisor:
    def __init__(self, fd: int, workers: int) -> None:
        self.fd = fd
        self.count = workers
        self.workers: dict[subprocess.Popen[bytes], float] = {}  # each with its start time
        self.stopping = False
        self.restarting = False

    def stop(self, _signal: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        self.stopping = True

    def restart(self, _signal: int = signal.SIGHUP, _frame: FrameType | None = None) -> None:
        self.restarting = True

    def run(self) -> int:
        """Serves until stopped; the exit status."""
        for _ in range(self.count):
            self._start()
        status = 0
        while not self.stopping:
            time.sleep(POLL_SECONDS)
            if self.restarting:
                self.restarting = False
                self._restart_all()
            status = self._replace_exited()
        for worker in self.workers:
            worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            # uvicorn ends by raising the signal it stopped for, as if it had not caught it
            stopped = worker.wait() in (0, -signal.SIGTERM, -signal.SIGINT)
            status = status or (0 if stopped else 1)
        return status

    def _start(self) -> None:
        argv = [sys.executable, "-m", "api", "--fd", str(self.fd)]
        worker = subprocess.Popen(argv, pass_fds=(self.fd,))
        self.workers[worker] = time.monotonic()

    def _restart_all(self) -> None:
        """One worker at a time: a new one starts before the old one stops taking
        requests, so the socket is always served."""
        for old in list(self.workers):
            if self.stopping:
                return
            self._start()
            del self.workers[old]
            old.send_signal(signal.SIGTERM)
            old.wait()
        logger.info("workers restarted")

    def _replace_exited(self) -> int:
        for worker, started in list(self.workers.items()):
            status = worker.poll()
            if status is None:
                continue
            del self.workers[worker]
            if time.monotonic() - started < STARTUP_SECONDS:
                logger.error("worker %d failed at start (exit status %d)", worker.pid, status)
                self.stopping = True
                return 1
            logger.warning("worker %d exited (status %d); starting another", worker.pid, status)
            self._start()
        return 0


def supervise(fd: int, workers: int, log_level: str, log_format: LogFormat) -> None:
    """Replaces the calling process with the supervisor of `workers` serving `fd`
    (a bound socket, inheritable)."""
    module = "api.http.supervisor"
    os.execv(
        sys.executable, [sys.executable, "-m", module, str(fd), str(workers), log_level, log_format]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m api.http.supervisor")
    parser.add_argument("fd", type=int)
    parser.add_argument("workers", type=int)
    parser.add_argument("log_level")
    parser.add_argument("log_format", choices=get_args(LogFormat))
    arguments = parser.parse_args()
    configure_logging(arguments.log_level, arguments.log_format)
    supervisor = Supervisor(arguments.fd, arguments.workers)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    signal.signal(signal.SIGHUP, supervisor.restart)
    sys.exit(supervisor.run())


if __name__ == "__main__":
    main()
