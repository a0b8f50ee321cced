"""`make bench`: load the catalogue, start every target, check they agree, drive
them with wrk (interleaved, repeated) and write bench/RESULTS.md. Then the scale
run: W1 and W3 again on Reelgraph (PostgreSQL) with a 1,000,000-title catalogue.

    .venv/bin/python -m bench.run --help
"""

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from bench import drive, load, report, source
from bench.load import BENCH
from bench.probe import Probe, probe
from bench.servers import BASELINE, SCALE, TARGETS, Server, scale_target
from bench.verify import verify
from bench.workloads import SCALE_WORKLOADS, SEARCH_TEXT, WORKLOADS, Workload

RAW = BENCH / "results" / "raw"
# A run during which other processes kept this many cores busy is run again (twice at most).
MAX_NOISE = 0.25
NOISY_ATTEMPTS = 3


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--titles",
        type=int,
        default=int(os.environ.get("BENCH_TITLES", "20000")),
        help="synthetic titles to load (default: $BENCH_TITLES or 20000)",
    )
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds before each run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per target and workload")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"comma-separated subset of: {', '.join(TARGETS)} (default: all)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each run, wait up to this many seconds for other processes to go idle",
    )
    parser.add_argument(
        "--scale-titles",
        type=int,
        default=int(os.environ.get("BENCH_SCALE_TITLES", "1000000")),
        metavar="N",
        help="after the comparison, run W1 and W3 on Reelgraph (PostgreSQL) over a catalogue"
        " of N synthetic titles, the bench catalogue's included, and compare"
        " (default: $BENCH_SCALE_TITLES or 1000000; 0 skips it)",
    )
    parser.add_argument(
        "--skip-scale", action="store_true", help="no scale run (like --scale-titles 0)"
    )
    parser.add_argument(
        "--only-scale",
        action="store_true",
        help="only the scale run (and its 20,000-title baseline); replaces just the Scale"
        " section of the report",
    )
    parser.add_argument(
        "--skip-load", action="store_true", help="use the databases as they are, load nothing"
    )
    parser.add_argument(
        "--ref",
        default=None,
        help="measure this git revision (extracted with git archive) instead of the working tree",
    )
    parser.add_argument(
        "--output", type=Path, default=BENCH / "RESULTS.md", help="where to write the report"
    )
    parser.add_argument(
        "--report-from",
        type=Path,
        metavar="RAW_DIR",
        help="measure nothing: render the report again from RAW_DIR/measurements.json",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.report_from:
        report.write(report.Measurements.load(args.report_from / "measurements.json"), args.output)
        print(f"== wrote {args.output}")
        return 0
    targets = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = [name for name in targets if name not in TARGETS]
    scale_titles = 0 if args.skip_scale else args.scale_titles
    if args.only_scale:
        targets = []
    if (
        unknown
        or not (targets or args.only_scale)
        or (args.only_scale and scale_titles <= 0)
        or scale_titles < 0
        or args.repeat < 1
        or args.duration < 1
    ):
        raise SystemExit(
            f"bad arguments (unknown targets: {unknown or 'none'}; --only-scale needs"
            " --scale-titles N > 0)"
        )
    # A SIGTERM (make interrupted, CI timeout) unwinds like Ctrl-C: servers get stopped.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    started, clock = report.started_now(), time.monotonic()
    drive.require_wrk()
    if "postgraphile" in targets:
        _install_postgraphile()

    measured = source.resolve(args.ref)
    print(f"== measuring {measured.description} in {measured.root}")
    print(f"== catalogue: {args.titles} synthetic titles")
    catalogue = load.prepare(args.titles, args.skip_load, measured.root, sqlite=bool(targets))
    raw = RAW / started.strftime("%Y%m%dT%H%M%SZ")
    bodies = _write_bodies(raw / "bodies", catalogue.slug)

    print("== SQL statements per request (in-process)")
    files = {w.key: raw / "bodies" / f"reelgraph-{w.key}.json" for w in WORKLOADS}
    versions, machine = report.environment()
    measurements = report.Measurements(
        catalogue, _settings(args), args.repeat, measured.description, targets, started
    )
    measurements.versions, measurements.machine = versions, machine
    # Reelgraph on PostgreSQL (no cache) is the reference answer: always probed.
    probed = [BASELINE] + [
        name for name in targets if name != BASELINE and TARGETS[name].database_url
    ]
    by_engine = {}
    for name in probed:
        target = TARGETS[name]
        assert target.database_url is not None
        by_engine[name] = probe(
            measured.root, target.database_url, target.settings, files, raw / f"probe-{name}"
        )
    _count_statements(by_engine, measurements)
    reference = {key: found.response for key, found in by_engine[BASELINE].items()}
    ceiling_bodies = raw / "ceiling"
    ceiling_bodies.mkdir(parents=True)
    for key, body in reference.items():
        (ceiling_bodies / f"{key}.json").write_bytes(body)

    if targets:
        with contextlib.ExitStack() as stack:
            print(f"== starting {', '.join(targets)}")
            servers: dict[str, Server] = {}
            for name in targets:
                servers[name] = Server(TARGETS[name], measured.root, raw, ceiling_bodies)
                stack.callback(servers[name].stop)
            for server in servers.values():
                server.wait_ready()
            print("== equivalence")
            verify(servers, bodies, reference, measurements)
            measurements.load_average = os.getloadavg()
            _drive(servers, raw, measurements, args.quiet_wait)
    if scale_titles:
        _scale(scale_titles, args, measured.root, raw, bodies, reference, measurements)
    measurements.elapsed = time.monotonic() - clock
    measurements.save(raw / "measurements.json")
    report.write(measurements, args.output)
    print(f"== wrote {args.output} ({measurements.elapsed / 60:.1f} min); raw outputs in {raw}")
    return 0


def _scale(
    titles: int,
    args: argparse.Namespace,
    root: Path,
    raw: Path,
    bodies: dict[tuple[str, str], bytes],
    reference: dict[str, bytes],
    m: report.Measurements,
) -> None:
    """W1 and W3 on the larger catalogue, with BASELINE's server and settings; BASELINE
    itself is driven again (interleaved) only when the comparison did not drive it."""
    print(f"== scale: {titles:,} synthetic titles")
    scale = load.prepare_scale(titles, m.catalogue, args.skip_load, root, SEARCH_TEXT)
    m.scale = scale
    target = scale_target(scale)
    assert target.database_url is not None
    keys = [workload.key for workload in SCALE_WORKLOADS]
    files = {key: raw / "bodies" / f"reelgraph-{key}.json" for key in keys}
    print("== SQL statements per request (in-process, scale catalogue)")
    probes = probe(root, target.database_url, target.settings, files, raw / f"probe-{SCALE}")
    _count_statements({SCALE: probes}, m)
    again = any((BASELINE, key) not in m.runs for key in keys)
    m.scale_baseline_interleaved = again
    with contextlib.ExitStack() as stack:
        servers: dict[str, Server] = {}
        for chosen in ([TARGETS[BASELINE]] if again else []) + [target]:
            servers[chosen.name] = Server(chosen, root, raw, raw / "ceiling")
            stack.callback(servers[chosen.name].stop)
        print(f"== starting {', '.join(servers)}")
        for server in servers.values():
            server.wait_ready()
        print("== equivalence (scale)")
        verify(servers, bodies, reference, m, SCALE_WORKLOADS)
        m.scale_load_average = os.getloadavg()
        _drive(servers, raw, m, args.quiet_wait, SCALE_WORKLOADS)
    for workload in SCALE_WORKLOADS:
        small, large = (m.median(name, workload.key, "rps") for name in (BASELINE, SCALE))
        print(
            f"  {workload.name}: {small:,.1f} req/s at {m.catalogue.synthetic:,} titles,"
            f" {large:,.1f} at {scale.synthetic:,} ({large / small:.2f}x)"
        )


def _count_statements(by_target: dict[str, dict[str, Probe]], m: report.Measurements) -> None:
    for name, probes in by_target.items():
        for key, found in probes.items():
            m.statements[name, key] = found.statements
            print(f"  {name} {key}: {found.statements} statements, {len(found.response)} bytes")


def _drive(
    servers: dict[str, Server],
    raw: Path,
    m: report.Measurements,
    quiet_wait: float,
    workloads: tuple[Workload, ...] = WORKLOADS,
) -> None:
    # Round-robin per repetition, so a slow drift (thermal, noisy neighbour) hits every target.
    for repetition in range(1, m.repeat + 1):
        print(f"== repetition {repetition}/{m.repeat}")
        for workload in workloads:
            for name, server in servers.items():
                body = raw / "bodies" / f"{server.target.flavour}-{workload.key}.json"
                output = raw / f"{name}-{workload.key}-{repetition}"
                url = server.url(workload.key)
                database = server.target.pg_database
                for attempt in range(1, NOISY_ATTEMPTS + 1):
                    drive.wait_for_quiet(quiet_wait, threshold=MAX_NOISE)
                    run = drive.run(url, body, m.settings, server.process.pid, output, database)
                    print(
                        f"  {workload.key} {name:<26} {run.rps:8,.0f} req/s  "
                        f"p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:6.1f} ms  "
                        f"CPU: server {run.server_cpu:.2f} postgres {run.postgres_cpu:.2f} "
                        f"others {run.other_cpu:.2f}; {run.new_connections} PG connections opened"
                    )
                    if run.other_cpu <= MAX_NOISE:
                        break
                    if attempt < NOISY_ATTEMPTS:
                        print("    other processes competed for the CPUs: running it again")
                m.runs.setdefault((name, workload.key), []).append(run)


def _write_bodies(folder: Path, slug: str) -> dict[tuple[str, str], bytes]:
    folder.mkdir(parents=True)
    bodies = {}
    for flavour in ("reelgraph", "postgraphile", "ceiling"):
        for workload in WORKLOADS:
            body = workload.body(flavour, slug)
            (folder / f"{flavour}-{workload.key}.json").write_bytes(body)
            bodies[flavour, workload.key] = body
    return bodies


def _settings(args: argparse.Namespace) -> drive.Settings:
    return drive.Settings(args.duration, args.warmup, args.connections, args.threads)


def _install_postgraphile() -> None:
    if (BENCH / "node_modules" / "postgraphile").is_dir():
        return
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise SystemExit("PostGraphile needs Node.js 18+ and npm (e.g. apt-get install nodejs npm)")
    print("== npm ci (PostGraphile into bench/node_modules)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True, timeout=600)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
