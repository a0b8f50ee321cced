"""Load generation with wrk, plus CPU accounting of the server and of PostgreSQL.

CPU comes from /proc (utime + stime) before and after a run: the server's
processes (its process group: a supervisor and its workers count together), the
PostgreSQL backends connected to the bench database (or to the scale run's), wrk,
and the rest of the machine, which shows whether something else (a test suite,
another engineer's build) competed for the cores during the run. After the run,
the server's resident memory (summed over its processes) and its worker count.
"""

import json
import math
import os
import resource
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import BENCH, PG_DATABASE

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
INSTALL_HINT = "wrk is missing: install it with `sudo apt-get install -y wrk` (Debian/Ubuntu)"


@dataclass(frozen=True)
class Settings:
    duration: int
    warmup: int
    connections: int
    threads: int


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu: float  # cores busy on average (1.0 = one core)
    postgres_cpu: float  # backends of the bench database
    other_cpu: float  # everything else on the machine (but wrk): noise
    new_connections: int  # bench-database backends started during the run (pool churn)
    wrk_cpu: float = 0.0  # the load generator
    rss_mib: float = 0.0  # resident memory of the server's processes after the run
    workers: int = 1  # processes serving requests: the group's, but a supervisor's own

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.rps if self.rps else math.nan

    @property
    def postgres_ms_per_request(self) -> float:
        return 1000 * self.postgres_cpu / self.rps if self.rps else math.nan

    @property
    def wrk_ms_per_request(self) -> float:
        return 1000 * self.wrk_cpu / self.rps if self.rps else math.nan


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(INSTALL_HINT)
    return path


def wrk_version() -> str:
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    return (result.stdout or result.stderr).splitlines()[0].split(" Copyright")[0]


def run(
    url: str,
    body: Path,
    settings: Settings,
    server_pid: int,
    raw: Path,
    database: str = PG_DATABASE,
) -> Run:
    """A warm-up run (discarded), then the measured run; raw outputs go to `raw`.
    `server_pid` leads the server's process group; PostgreSQL CPU is that of the
    backends connected to `database`."""
    if settings.warmup:
        warmup = settings.warmup
        _wrk(url, body, settings, warmup, raw.with_suffix(".warmup.txt"), need_requests=False)
    before = _Snapshot.take(server_pid, database)
    with _BackendWatch(before.postgres, database) as backends:
        summary = _wrk(url, body, settings, settings.duration, raw.with_suffix(".txt"))
    after = _Snapshot.take(server_pid, database)
    seconds = after.wall - before.wall
    server = _busy(before.server, after.server)
    # Backends alive at the end, plus what the postmaster spent forking and reaped from
    # backends that exited (their CPU before the run taken back out).
    exited = sum(ticks for pid, ticks in before.postgres.items() if pid not in after.postgres)
    reaped = after.postmaster - before.postmaster - exited / CLOCK_TICKS
    postgres = _busy(before.postgres, after.postgres) + reaped
    machine = (after.machine - before.machine) / CLOCK_TICKS
    wrk = after.children - before.children
    ours = wrk + (after.driver - before.driver)  # wrk, this
    processes = _group_pids(server_pid)
    return Run(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        server_cpu=server / seconds,
        postgres_cpu=postgres / seconds,
        other_cpu=max(0.0, machine - server - postgres - ours) / seconds,
        new_connections=backends.new_connections(),
        wrk_cpu=wrk / seconds,
        rss_mib=sum(_rss_bytes(pid) for pid in processes) / 2**20,
        workers=_workers(server_pid, processes),
    )


class _BackendWatch(threading.Thread):
    """Samples the bench database's backends while a run goes on, to count those a
    pool opens (and maybe closes) during it; one living under 0.1 s can be missed."""

    INTERVAL = 0.1

    def __init__(self, baseline: dict[int, int], database: str) -> None:
        super().__init__(daemon=True)
        self.baseline = baseline
        self.database = database
        self.last = dict(baseline)
        self.stopping = threading.Event()

    def __enter__(self) -> "_BackendWatch":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.join()
        self._sample()

    def run(self) -> None:
        while not self.stopping.wait(self.INTERVAL):
            self._sample()

    def _sample(self) -> None:
        self.last |= _cpu_ticks(_backend_pids(self.database))

    def new_connections(self) -> int:
        return len(self.last.keys() - self.baseline.keys())


def wait_for_quiet(limit: float, threshold: float) -> None:
    """Waits (up to `limit` s) until other processes use under `threshold` cores."""
    start = time.monotonic()
    while True:
        before = _machine_ticks()
        time.sleep(1.0)
        busy = (_machine_ticks() - before) / CLOCK_TICKS
        waited = time.monotonic() - start
        if busy < threshold:
            if waited > 1.5:
                print(f"    quiet after {waited:.0f} s")
            return
        if waited >= limit:
            print(f"    still busy ({busy:.2f} cores) after {waited:.0f} s: measuring anyway")
            return
        if waited < 1.5:
            print(f"    other processes use {busy:.2f} cores: waiting up to {limit:.0f} s")


@dataclass(frozen=True)
class _Snapshot:
    wall: float
    server: dict[int, int]
    postgres: dict[int, int]
    postmaster: float  # its CPU seconds and those of the backends it reaped
    machine: int  # busy ticks of all CPUs
    children: float  # CPU seconds of reaped children: the wrk runs
    driver: float  # CPU seconds of this process (the sampling thread)

    @classmethod
    def take(cls, server_pid: int, database: str) -> "_Snapshot":
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        driver = resource.getrusage(resource.RUSAGE_SELF)
        return cls(
            time.monotonic(),
            _cpu_ticks(_group_pids(server_pid)),
            _cpu_ticks(_backend_pids(database)),
            _postmaster_seconds(),
            _machine_ticks(),
            children.ru_utime + children.ru_stime,
            driver.ru_utime + driver.ru_stime,
        )


def _machine_ticks() -> int:
    # First line of /proc/stat: cpu user nice system idle iowait irq softirq steal ...
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq + steal


def _wrk(
    url: str, body: Path, settings: Settings, seconds: int, output: Path, need_requests: bool = True
) -> dict[str, int]:
    argv = ["wrk", f"-t{settings.threads}", f"-c{settings.connections}", f"-d{seconds}s"]
    argv += ["--latency", "--timeout", "10s", "-s", str(BENCH / "post.lua"), url, "--", str(body)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    output.write_text(" ".join(argv) + "\n\n" + result.stdout + result.stderr)
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({result.returncode}), see {output}")
    summary: dict[str, int] = json.loads(lines[-1].removeprefix("BENCH_JSON "))
    errors = sum(summary[key] for key in summary if key.endswith(("_errors", "timeouts")))
    if errors:
        raise SystemExit(f"wrk saw {errors} errors (non-2xx, timeouts, sockets), see {output}")
    if need_requests and not summary["requests"]:
        # Not fatal: one very slow target (an interpreted path, a short --duration) must
        # not throw away a long run; it is reported as 0 req/s.
        print(f"    no request completed in {seconds} s (0 req/s), see {output}")
    return summary


def _busy(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds used in between by the processes in `after` (new ones count whole)."""
    ticks = sum(value - before.get(pid, 0) for pid, value in after.items())
    return ticks / CLOCK_TICKS


def _cpu_ticks(pids: list[int]) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited between listing and reading
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def _group_pids(group: int) -> list[int]:
    """The processes of a process group (servers.py starts each server as a leader)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group:  # state, ppid, pgrp
                pids.append(int(entry.name))
    return pids


def _rss_bytes(pid: int) -> int:
    try:
        resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return 0
    return resident_pages * PAGE_SIZE


def _workers(leader: int, pids: list[int]) -> int:
    """One process serves alone; with several, the leader supervises the others
    (uvicorn's --workers), a multiprocessing helper does not serve."""
    serving = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if pid != leader and b"resource_tracker" not in command:
            serving.append(pid)
    return max(1, len(serving))


def _postmaster_seconds() -> float:
    """utime + stime + cutime + cstime of PostgreSQL's main process(es)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0", 1)[0]
                if command.endswith(b"/postgres"):
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    ticks += sum(int(value) for value in fields[11:15])
            except OSError:
                continue
    return ticks / CLOCK_TICKS


def _backend_pids(database: str) -> list[int]:
    """Backends show "postgres: [cluster:] <user> <database> <client> <state>" as cmdline."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                words = (entry / "cmdline").read_bytes().decode(errors="replace").split()
            except OSError:
                continue
            if words[:1] == ["postgres:"] and database in words[2:4]:
                pids.append(int(entry.name))
    return pids
