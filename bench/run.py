"""`make bench`: load the catalogue, start every target, check they agree, drive
them with wrk (interleaved, repeated) and write bench/RESULTS.md. Then the scale
run: W1 and W3 again on Reelgraph (PostgreSQL) with a 1,000,000-title catalogue.

    .venv/bin/python -m bench.run --help
"""

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from bench import drive, load, report, source, variants
from bench.load import BENCH
from bench.probe import Probe, probe
from bench.servers import (
    BASELINE,
    FIXED_ONLY,
    NODE_22,
    POSTGRAPHILES,
    SCALE,
    TARGETS,
    Server,
    Target,
    scale_target,
)
from bench.verify import Bodies, verify
from bench.workloads import FIXED_VARIABLES, SCALE_WORKLOADS, SEARCH_TEXT, WORKLOADS, Workload

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
    # 72 runs per repetition (11 workloads, 6 to 8 targets each): about 11 min at these
    parser.add_argument("--duration", type=int, default=6, help="measured seconds per run")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds before each run")
    parser.add_argument("--repeat", type=int, default=2, help="runs per target and workload")
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
        "--attempts",
        type=int,
        default=NOISY_ATTEMPTS,
        help="runs of a target and workload while other processes kept the CPUs busy"
        f" (more than {MAX_NOISE} cores; default {NOISY_ATTEMPTS})",
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
        or args.attempts < 1
    ):
        raise SystemExit(
            f"bad arguments (unknown targets: {unknown or 'none'}; --only-scale needs"
            " --scale-titles N > 0)"
        )
    # A SIGTERM (make interrupted, CI timeout) unwinds like Ctrl-C: servers get stopped.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    started, clock = report.started_now(), time.monotonic()
    drive.require_wrk()
    _install_postgraphile(targets)

    measured = source.resolve(args.ref)
    print(f"== measuring {measured.description} in {measured.root}")
    print(f"== catalogue: {args.titles} synthetic titles")
    catalogue = load.prepare(args.titles, args.skip_load, measured.root, sqlite=bool(targets))
    raw = RAW / started.strftime("%Y%m%dT%H%M%SZ")
    (raw / "bodies").mkdir(parents=True)
    versions, machine = report.environment()
    measurements = report.Measurements(
        catalogue, _settings(args), args.repeat, measured.description, targets, started
    )
    measurements.versions, measurements.machine = versions, machine
    slug = catalogue.slug
    bodies: Bodies = {name: _fixed_bodies(TARGETS[name].flavour, slug) for name in TARGETS}

    with contextlib.ExitStack() as stack:
        servers: dict[str, Server] = {}
        if targets:
            # BASELINE's own variables (its cursors) make the reference answers: it is
            # started even when not driven.
            serving = [n for n in dict.fromkeys([*targets, BASELINE]) if n != "ceiling"]
            print(f"== starting {', '.join(serving)}")
            for name in serving:
                servers[name] = Server(TARGETS[name], measured.root, raw, raw / "ceiling")
                stack.callback(servers[name].stop)
            for server in servers.values():
                server.wait_ready()
            _add_variables(servers, bodies, raw)
        for name in {*servers, *targets, BASELINE}:
            for key, requests in bodies[name].items():
                (raw / "bodies" / f"{name}-{key}.jsonl").write_bytes(b"\n".join(requests) + b"\n")

        print("== SQL statements per request (in-process)")
        # Reelgraph on PostgreSQL (no cache) is the reference answer: always probed.
        probed = [BASELINE] + [n for n in targets if n != BASELINE and TARGETS[n].database_url]
        workloads = WORKLOADS if targets else SCALE_WORKLOADS
        by_target = {name: _probe(name, workloads, bodies, measured.root, raw) for name in probed}
        _count_statements(by_target, measurements)
        reference = _answers(by_target[BASELINE])
        ceiling_bodies = raw / "ceiling"
        ceiling_bodies.mkdir(parents=True)
        for key in FIXED_ONLY:
            if key in reference:  # --only-scale probes W1 and W3 alone
                (ceiling_bodies / f"{key}.json").write_bytes(reference[key][0])

        if targets:
            if "ceiling" in targets:
                servers["ceiling"] = Server(TARGETS["ceiling"], measured.root, raw, ceiling_bodies)
                stack.callback(servers["ceiling"].stop)
                servers["ceiling"].wait_ready()
            print("== equivalence")
            verify(servers, bodies, reference, measurements)
            measurements.load_average = os.getloadavg()
            driven = {name: servers[name] for name in targets}
            _drive(driven, raw, measurements, args.quiet_wait, args.attempts)
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
    bodies: Bodies,
    reference: dict[str, dict[int, bytes]],
    m: report.Measurements,
) -> None:
    """W1 and W3 on the larger catalogue, with BASELINE's server and settings; BASELINE
    itself is driven again (interleaved) only when the comparison did not drive it."""
    print(f"== scale: {titles:,} synthetic titles")
    scale = load.prepare_scale(titles, m.catalogue, args.skip_load, root, SEARCH_TEXT)
    m.scale = scale
    target = scale_target(scale)
    keys = [workload.key for workload in SCALE_WORKLOADS]
    bodies[SCALE] = {key: bodies[BASELINE][key] for key in keys}
    for key in keys:
        (raw / "bodies" / f"{SCALE}-{key}.jsonl").write_bytes(b"\n".join(bodies[SCALE][key]))
    print("== SQL statements per request (in-process, scale catalogue)")
    _count_statements({SCALE: _probe(target, SCALE_WORKLOADS, bodies, root, raw)}, m)
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
        _drive(servers, raw, m, args.quiet_wait, args.attempts, SCALE_WORKLOADS)
    for workload in SCALE_WORKLOADS:
        small, large = (m.median(name, workload.key, "rps") for name in (BASELINE, SCALE))
        print(
            f"  {workload.name}: {small:,.1f} req/s at {m.catalogue.synthetic:,} titles,"
            f" {large:,.1f} at {scale.synthetic:,} ({large / small:.2f}x)"
        )


def _fixed_bodies(flavour: str, slug: str) -> dict[str, list[bytes]]:
    """W1-W3's one request each; W4-W11's lists come from bench/variants.py."""
    values = {"slug": {"slug": slug}, "text": {"text": SEARCH_TEXT}, None: {}}
    return {
        key: [workload.body(flavour, values[FIXED_VARIABLES[key]])]
        for workload in WORKLOADS
        if (key := workload.key) in FIXED_VARIABLES
    }


def _add_variables(servers: dict[str, Server], bodies: Bodies, raw: Path) -> None:
    """W4-W11's request bodies for every started server, from its own variables."""
    print("== variables of W4-W11 (cursors and node ids: each server's own)")
    samples = load.samples()
    (raw / "samples.json").write_text(json.dumps(dataclasses.asdict(samples), indent=1))
    for name, server in servers.items():
        flavour = server.target.flavour
        lists = variants.build(flavour, server.graphql_url, samples)
        for workload in WORKLOADS:
            if workload.varies is not None:
                values = lists[workload.key]
                bodies[name][workload.key] = [workload.body(flavour, v) for v in values]
    _check_aligned(bodies, list(servers))


def _check_aligned(bodies: Bodies, names: list[str]) -> None:
    """Index i must be the same page, title or person on every target (verify.py)."""
    for workload in WORKLOADS:
        sizes = {name: len(bodies[name][workload.key]) for name in names}
        if len(set(sizes.values())) != 1:
            raise SystemExit(f"{workload.key}'s variables lists differ in length: {sizes}")


def _probe(
    target: Target | str,
    workloads: tuple[Workload, ...],
    bodies: Bodies,
    root: Path,
    raw: Path,
) -> dict[tuple[str, int], Probe]:
    """Statement counts and answers of each workload's checked requests, in-process."""
    target = TARGETS[target] if isinstance(target, str) else target
    assert target.database_url is not None
    own = bodies[target.name]
    files = {}
    for workload in workloads:
        requests = own[workload.key]
        for index in variants.checked(len(requests)):
            path = raw / "bodies" / f"{target.name}-{workload.key}.{index}.json"
            path.write_bytes(requests[index])
            files[f"{workload.key}.{index}"] = path
    out = raw / f"probe-{target.name}"
    found = probe(root, target.database_url, target.settings, files, out)
    return {(name.split(".")[0], int(name.split(".")[1])): p for name, p in found.items()}


def _answers(probes: dict[tuple[str, int], Probe]) -> dict[str, dict[int, bytes]]:
    answers: dict[str, dict[int, bytes]] = {}
    for (key, index), found in probes.items():
        answers.setdefault(key, {})[index] = found.response
    return answers


def _count_statements(
    by_target: dict[str, dict[tuple[str, int], Probe]], m: report.Measurements
) -> None:
    """A workload's count is the most any of its checked requests took."""
    for name, probes in by_target.items():
        for (key, index), found in probes.items():
            m.statements[name, key] = max(found.statements, m.statements.get((name, key), 0))
            print(
                f"  {name} {key} request {index}: {found.statements} statements,"
                f" {len(found.response)} bytes"
            )


def _drive(
    servers: dict[str, Server],
    raw: Path,
    m: report.Measurements,
    quiet_wait: float,
    attempts: int,
    workloads: tuple[Workload, ...] = WORKLOADS,
) -> None:
    # Round-robin per repetition, so a slow drift (thermal, noisy neighbour) hits every target.
    for repetition in range(1, m.repeat + 1):
        print(f"== repetition {repetition}/{m.repeat}")
        for workload in workloads:
            for name, server in servers.items():
                if not server.target.drives(workload.key):
                    continue
                body = raw / "bodies" / f"{name}-{workload.key}.jsonl"
                output = raw / f"{name}-{workload.key}-{repetition}"
                url = server.url(workload.key)
                database = server.target.pg_database
                for attempt in range(1, attempts + 1):
                    drive.wait_for_quiet(quiet_wait, threshold=MAX_NOISE)
                    run = drive.run(url, body, m.settings, server.process.pid, output, database)
                    print(
                        f"  {workload.key:<3} {name:<30} {run.rps:8,.0f} req/s  "
                        f"p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:6.1f} ms  "
                        f"CPU: server {run.server_cpu:.2f} postgres {run.postgres_cpu:.2f} "
                        f"wrk {run.wrk_cpu:.2f} others {run.other_cpu:.2f}; "
                        f"RSS {run.rss_mib:.0f} MiB, {run.workers} worker(s); "
                        f"{run.new_connections} PG connections opened"
                    )
                    if run.other_cpu <= MAX_NOISE:
                        break
                    if attempt < attempts:
                        print("    other processes competed for the CPUs: running it again")
                m.runs.setdefault((name, workload.key), []).append(run)


def _settings(args: argparse.Namespace) -> drive.Settings:
    return drive.Settings(args.duration, args.warmup, args.connections, args.threads)


def _install_postgraphile(targets: list[str]) -> None:
    """PostGraphile 4 and Node 22 into bench/node_modules, PostGraphile 5 into
    bench/pg5/node_modules (its graphql 16 cannot share a tree with v4's graphql 15)."""
    folders = {"postgraphile": BENCH, "postgraphile5": BENCH / "pg5"}
    for name in POSTGRAPHILES:
        folder = folders[name]
        if name not in targets or (folder / "node_modules" / "postgraphile").is_dir():
            continue
        if shutil.which("npm") is None or shutil.which("node") is None:
            raise SystemExit("PostGraphile needs Node.js 18+ and npm (e.g. apt-get install npm)")
        print(f"== npm ci ({TARGETS[name].label} into {folder.relative_to(BENCH.parent)})")
        argv = ["npm", "ci", "--no-audit", "--no-fund"]
        subprocess.run(argv, cwd=folder, check=True, timeout=600)
    if "postgraphile5" in targets and not NODE_22.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True, timeout=600)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
