"""bench/RESULTS.md: environment, one table per workload, headline ratios, and the
scale run's section (which `--only-scale` writes into an existing report alone)."""

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.drive import Run, Settings, wrk_version
from bench.load import BENCH, PG_DATABASE, SCALE_SEED, Catalogue, Generation, ScaleCatalogue
from bench.servers import BASELINE, NODE_22, POSTGRAPHILES, SCALE, TARGETS, WORKERS_2
from bench.workloads import SCALE_WORKLOADS, SEARCH_TEXT, WORKLOADS

INTERPRETED = "reelgraph-postgres-interpreted"
RSS_TARGET_MIB = 250
PYTHON_PACKAGES = ("strawberry-graphql", "sqlalchemy", "starlette", "uvicorn", "asyncpg")


@dataclass
class Measurements:
    """Everything the report needs, filled in by run.py as it goes; saved as JSON
    beside the raw outputs so `--report-from` can render it again."""

    catalogue: Catalogue
    settings: Settings
    repeat: int
    code: str  # which Reelgraph was measured (bench/source.py)
    targets: list[str]
    started: datetime
    versions: str = ""
    machine: str = ""
    elapsed: float = 0.0
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)  # just before driving
    runs: dict[tuple[str, str], list[Run]] = field(default_factory=dict)  # (target, workload)
    statements: dict[tuple[str, str], int] = field(default_factory=dict)
    response_bytes: dict[tuple[str, str], int] = field(default_factory=dict)
    # The scale run (runs under servers.SCALE), when there was one.
    scale: ScaleCatalogue | None = None
    scale_load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    scale_baseline_interleaved: bool = False  # BASELINE driven again beside SCALE

    def median(self, target: str, workload: str, attribute: str) -> float:
        return float(
            statistics.median(getattr(run, attribute) for run in self.runs[target, workload])
        )

    def save(self, path: Path) -> None:
        def pairs(mapping: dict[tuple[str, str], Any]) -> dict[str, Any]:
            return {"|".join(key): value for key, value in mapping.items()}

        data = asdict(self) | {
            "started": self.started.isoformat(),
            "runs": pairs({key: [asdict(run) for run in runs] for key, runs in self.runs.items()}),
            "statements": pairs(self.statements),
            "response_bytes": pairs(self.response_bytes),
        }
        path.write_text(json.dumps(data, indent=1))

    @classmethod
    def load(cls, path: Path) -> "Measurements":
        data = json.loads(path.read_text())

        def pairs(mapping: dict[str, Any]) -> dict[tuple[str, str], Any]:
            return {tuple(key.split("|", 1)): value for key, value in mapping.items()}  # type: ignore[misc]

        scale = data.get("scale")
        return cls(
            **data
            | {
                "catalogue": Catalogue.from_json(data["catalogue"]),
                "settings": Settings(**data["settings"]),
                "started": datetime.fromisoformat(data["started"]),
                "load_average": tuple(data["load_average"]),
                "scale": None if scale is None else ScaleCatalogue.from_json(scale),
                "scale_load_average": tuple(data.get("scale_load_average", (0.0, 0.0, 0.0))),
                "runs": {k: [Run(**r) for r in v] for k, v in pairs(data["runs"]).items()},
                "statements": pairs(data["statements"]),
                "response_bytes": pairs(data["response_bytes"]),
            }
        )


def write(measurements: Measurements, path: Path) -> None:
    """The whole report; after `--only-scale` (no other target), only its Scale section
    is replaced (or added) in the report already at `path`."""
    if measurements.targets:
        path.write_text(render(measurements))
        return
    document = path.read_text() if path.exists() else ""
    path.write_text(splice_scale(document, measurements))


def splice_scale(document: str, m: Measurements) -> str:
    section = "\n".join(_scale(m)) + "\n"
    if not document:
        header = [
            "# Reelgraph benchmark results",
            "",
            f"Only the scale run (`bench/run.py --only-scale`). **Versions**: {m.versions}, "
            f"PostgreSQL {m.catalogue.postgres_version}. **Machine**: {m.machine}.",
            "",
        ]
        return "\n".join(header) + "\n" + section
    start = document.find("\n## Scale")
    if start >= 0:
        end = document.find("\n## ", start + 1)
        return document[: start + 1] + section + (document[end:] if end >= 0 else "")
    anchor = document.find("\n## Every run")
    if anchor < 0:
        return document.rstrip("\n") + "\n\n" + section
    return document[: anchor + 1] + section + "\n" + document[anchor + 1 :]


def environment() -> tuple[str, str]:
    """(versions, machine), read when the run starts."""
    return _versions(), _machine()


def render(m: Measurements) -> str:
    s = m.settings
    lines = [
        "# Reelgraph benchmark results",
        "",
        f"Written by `make bench` (`bench/run.py`) on {m.started:%Y-%m-%d %H:%M} UTC; "
        f"the whole run took {m.elapsed / 60:.1f} min. See `bench/README.md` to rerun it.",
        "",
        "## Set-up",
        "",
        f"- **Code**: {m.code}",
        f"- **Versions**: {m.versions}, PostgreSQL {m.catalogue.postgres_version}",
        f"- **Machine**: {m.machine}",
        f"- **Catalogue**: {m.catalogue.titles:,} titles ({m.catalogue.synthetic:,} synthetic "
        "from `python -m seed --titles N` + the curated catalogue), the same rows in "
        "PostgreSQL `reelgraph_bench` and in SQLite `bench/data/bench.db`. "
        f'W1 reads `{m.catalogue.slug}`; W3 searches "{SEARCH_TEXT}".'
        + _generation_note(" Loading PostgreSQL's", m.catalogue.generation, m.catalogue),
        f"- **Load**: wrk, {s.threads} thread(s), {s.connections} connections, keep-alive, "
        "W1-W3 send one fixed POST body each; W4-W11 draw every request's body at random "
        "(in wrk's Lua) from a list of variables values, each server's own (see "
        "*Workloads*); "
        f"{s.warmup} s warm-up then {s.duration} s measured, "
        f"{m.repeat} repetition(s) interleaved round-robin across targets; the tables show "
        "the median run. Every server is one process (uvicorn with one worker, or Node) but "
        f"*{_label(WORKERS_2)}*, which runs `python -m api` with `WORKERS=2` (the *workers* "
        "column counts the serving processes found in /proc); "
        "load generator, servers and PostgreSQL share the machine's cores. Load average "
        f"just before driving: {' / '.join(f'{x:.2f}' for x in m.load_average)} (1/5/15 min).",
        "- **CPU** columns: cores kept busy on average during the measured run "
        "(1.00 = one core): the server's processes (its process group: a supervisor and "
        "its workers); PostgreSQL: the backends connected to "
        "`reelgraph_bench`, the postmaster, and backends that exited during the run (any "
        "database's, as the postmaster reaps them); everything else on the machine except "
        "wrk and the driver (*others*: noise from "
        "other work, ideally ~0; each run first waits for the machine to go quiet, and is "
        "repeated (`--attempts`, three by default) while others used more than 0.25 cores). "
        "*CPU/request* is CPU time per request (cores busy / req/s); *wrk*: the load "
        "generator's. *RSS after*: resident memory summed over the server's processes "
        "right after the run. "
        "*PG connections opened*: backends of `reelgraph_bench` seen starting during the "
        f"{s.duration} s run, sampled every 0.1 s, so a lower bound (a pool that keeps its "
        "connections opens none).",
        "",
        "## Targets",
        "",
        *_targets(m),
        "",
        "## Headline",
        "",
        *_headline(m),
        "",
        "## Workloads",
        "",
        *WORKLOAD_NOTES,
        "",
    ]
    for workload in WORKLOADS:
        if any(_driven(m, name, workload.key) for name in m.targets):
            lines += [f"### {workload.name}", "", *_table(m, workload.key), ""]
    lines += [*_workers(m), ""]
    if m.scale is not None:
        lines += [*_scale(m), ""]
    lines += [
        "## Every run (req/s)",
        "",
        *_all_runs(m),
        "",
        "## Equivalence and caveats",
        "",
        *CAVEATS,
    ]
    return "\n".join(lines) + "\n"


WORKLOAD_NOTES = [
    "Documents in `bench/workloads/` (Reelgraph) and `bench/postgraphile/` (PostGraphile 4; "
    "PostGraphile 5 gets the same documents in its naming: `rowId` for v4's `id`, `id` for "
    "v4's `nodeId`). W1 title page, W2 browse (50 newest), W3 search: one fixed request "
    "each. W4 title pages: W1's document over 1,000 random synthetic titles. W5 browse "
    "pages 2-20: W2's cards after a cursor, each server's own cursors (walked page by page "
    "before the load). W6: W2's cards filtered by one genre and a decade (every pair with "
    "matches; PostGraphile: `browse_titles()` of `bench/postgraphile.sql`). W7 `node`: 500 "
    "titles and 500 people by each server's own node ids. W8 person page: a person and "
    "their 20 newest credits (1,000 people; PostGraphile: `people_filmography()`). W9: a "
    "title teaser whose credits and reviews come under `@include(if: $full)`, `$full` "
    "true for half the list. W10 mobile cards: another selection on the newest titles, "
    "page size 10 to 50. W11: W1's page over W4's titles with where to watch asked "
    "through `offersIn` for 5 regions (PostGraphile: `titles_offers_in()`, one list the "
    "check groups by region). The response cache and the ceiling answer the same request "
    "again and again, so they are driven with W1-W3 only.",
]

CAVEATS = [
    "**Response cache.** Reelgraph caches whole responses by document and variables "
    "(`RESPONSE_CACHE_SECONDS`, 60 s by default). wrk replays one request, so with the "
    "cache on every request but the first is a cache hit: that is what the *response cache "
    "on* target measures (0 SQL statements per request). Every other Reelgraph target runs "
    "with `RESPONSE_CACHE_SECONDS=0`, so the headline compares query execution with "
    "PostGraphile's (which has no response cache). Real traffic spreads over many titles, "
    "pages and searches; its hit rate, and so its throughput, lies in between. All Reelgraph "
    "targets run with `RATE_LIMIT_PER_MINUTE=0` (one client at thousands of req/s would "
    "otherwise be answered 429).",
    "",
    "Before any load, `run.py` sends each workload once to every target and compares the "
    "answers, reduced to the data both must agree on (ids, slugs, names, years, dates, "
    "genres, credit roles/characters/order/people, review ids/reviewers/ratings/dates and "
    "total counts, offer providers/monetizations/prices/URLs). It stops on any difference.",
    "",
    "- **Truncation**: PostGraphile has none, so its W1 answer carries the full synopsis and "
    "the full review bodies (~1,500 characters each) where Reelgraph sends 280- and "
    "200-character teasers (its W1 also asks for the full synopsis). The check verifies each "
    "Reelgraph teaser is the start of the text PostGraphile returns. PostGraphile's W1 "
    "response is therefore larger (see *response bytes*).",
    '- **Offers**: PostGraphile filters offers by `condition: {region: "US"}` only; '
    "Reelgraph also drops offers outside their availability window and sorts them for "
    "display (streaming first, then provider name). Synthetic offers have no window, so "
    "both return the same rows; they are compared as sorted lists.",
    "- **Genres** come through the `title_genres` join table in PostGraphile, in genre-id "
    "order (Reelgraph: by name); compared as sorted lists.",
    "- **Order** of W2: PostGraphile's `orderBy: [YEAR_DESC, RELEASE_DATE_DESC, ID_ASC]` "
    "with `orderByNullsLast` equals Reelgraph's RELEASED_DESC (NULLs last); compared in order.",
    "- **Search** (W3): PostGraphile has no full-text search, so `bench/postgraphile.sql` "
    "adds `search_titles(text, best)` to the bench database only: the same tsquery (every "
    "word, the last as a prefix), the same best matches read from the `title_search_terms` "
    "index and the same rank (`ts_rank_cd` in ten-thousandths), ties by id; compared in "
    "order. Reelgraph on SQLite ranks with FTS5 bm25, so its W3 order (and so its 20 "
    "titles) legitimately differs: for it only the number of results is checked.",
    "- **W5 paging**: Reelgraph's pages 2-20 come after its own cursors. PostGraphile (4 and "
    "5) pages by `offset` (the same pages): after one of its cursors it skips the titles "
    "with a NULL release date in the cursor's year (its keyset condition compares NULL as "
    "unknown), which the equivalence check caught.",
    "- **W6 and W8** in PostGraphile call functions of `bench/postgraphile.sql`: "
    "`browse_titles(genre, year_from, year_to)` (its conditions are equalities only) and "
    "the computed column `people_filmography` (a person's credits, newest title first, as "
    "Reelgraph orders them). The same file adds the indexes PostGraphile's own ORDER BYs "
    "need (`year DESC NULLS LAST, release_date DESC NULLS LAST, id` on titles; reviews by "
    "title and `published_at DESC NULLS LAST`).",
    "- **Offers outside their window**: some curated titles have offers Reelgraph hides "
    "(outside their availability window); W5 and W6 reach them, so there PostGraphile's "
    "document also asks for the window and the check drops what Reelgraph would not show.",
    "- **PostGraphile 5** gets PostGraphile 4's documents in its own naming (`rowId` for "
    "v4's `id`, `id` for v4's node id, aliased back to v4's shape); both order by "
    "`PRIMARY_KEY_ASC`.",
    "- **Response shape**: Reelgraph answers Relay `edges { node }`, PostGraphile `nodes`, "
    "and PostGraphile ids are plain integers: the sizes differ a little for that alone.",
    "- **SQL statements/request**: Reelgraph's are counted in-process with a SQLAlchemy "
    "`before_cursor_execute` hook (transaction BEGIN/ROLLBACK not included); "
    "PostGraphile's by counting `client.query` calls in `bench/postgraphile-server.js`.",
]


def _label(name: str) -> str:
    return TARGETS[name].label if name in TARGETS else name


def _driven(m: Measurements, target: str, workload: str) -> bool:
    return bool(m.runs.get((target, workload)))


def _faster_postgraphile(m: Measurements, workload: str) -> str | None:
    driven = [name for name in POSTGRAPHILES if _driven(m, name, workload)]
    return max(driven, key=lambda name: m.median(name, workload, "rps"), default=None)


def _versus_postgraphile(m: Measurements, target: str, workload: str) -> float | None:
    faster = _faster_postgraphile(m, workload)
    if faster is None or not _driven(m, target, workload):
        return None
    return _over(m.median(target, workload, "rps"), m.median(faster, workload, "rps"))


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _met(value: float | None, ok: bool) -> str:
    return "n/a" if value is None else f"{_ratio(value)} {_yes(ok)}"


def _targets(m: Measurements) -> list[str]:
    """The issue's targets, workload by workload, against the faster PostGraphile."""
    lines = [
        "Against the faster of PostGraphile 4 and 5 in each workload (*faster*), with "
        "*yes*/**no** for each target: Reelgraph on PostgreSQL >= 1.0x its req/s, p99 < 3x "
        "p50, one SQL statement per root field; Reelgraph on SQLite >= 0.5x; every "
        f"Reelgraph target's RSS after the run under {RSS_TARGET_MIB} MiB. "
        "*Compiled gain* is Reelgraph's req/s over its own with `COMPILED_QUERIES=false`.",
        "",
        "| workload | faster | Reelgraph (PG) / faster | p99 / p50 | SQL statements "
        "| Reelgraph (SQLite) / faster | compiled gain | interpreted / faster "
        "| largest Reelgraph RSS |",
        "|---|---|" + "---:|" * 7,
    ]
    for workload in WORKLOADS:
        key = workload.key
        faster = _faster_postgraphile(m, key)
        postgres = _versus_postgraphile(m, BASELINE, key)
        sqlite = _versus_postgraphile(m, "reelgraph-sqlite", key)
        interpreted = _versus_postgraphile(m, INTERPRETED, key)
        spread = statements = gain = None
        if _driven(m, BASELINE, key):
            spread = _over(m.median(BASELINE, key, "p99_ms"), m.median(BASELINE, key, "p50_ms"))
            statements = m.statements.get((BASELINE, key))
            if _driven(m, INTERPRETED, key):
                gain = _over(m.median(BASELINE, key, "rps"), m.median(INTERPRETED, key, "rps"))
        reelgraphs = [
            name
            for name in m.targets
            if TARGETS[name].flavour == "reelgraph" and _driven(m, name, key)
        ]
        largest = max(reelgraphs, key=lambda name: m.median(name, key, "rss_mib"), default=None)
        rss = None if largest is None else m.median(largest, key, "rss_mib")
        one_each = statements is not None and statements <= workload.root_fields
        counted = "n/a" if statements is None else f"{statements} {_yes(one_each)}"
        held = "n/a" if rss is None else f"{rss:.0f} MiB (`{largest}`) {_yes(rss < RSS_TARGET_MIB)}"
        lines.append(
            f"| {workload.name} | {'n/a' if faster is None else _label(faster)} "
            f"| {_met(postgres, postgres is not None and postgres >= 1.0)} "
            f"| {_met(spread, spread is not None and spread < 3)} "
            f"| {counted} "
            f"| {_met(sqlite, sqlite is not None and sqlite >= 0.5)} "
            f"| {'n/a' if gain is None else _ratio(gain)} "
            f"| {'n/a' if interpreted is None else _ratio(interpreted)} "
            f"| {held} |"
        )
    return lines


def _workers(m: Measurements) -> list[str]:
    """1 vs 2 workers: throughput, and where the two cores go."""
    one, two = BASELINE, WORKERS_2
    keys = [w for w in WORKLOADS if _driven(m, one, w.key) and _driven(m, two, w.key)]
    if not keys:
        return []
    found = sorted({run.workers for key in keys for run in m.runs[two, key.key]})
    lines = [
        "## 1 vs 2 workers",
        "",
        f"*{_label(one)}* against *{_label(two)}*; worker processes found in /proc "
        f"for the second: {', '.join(map(str, found))} (1 means `WORKERS` was not applied). "
        "Cores kept busy during the run (1.00 = one core of the machine's "
        f"{os.cpu_count()}) by the server's processes, PostgreSQL (backends and postmaster), "
        "wrk, and everything else; then the server's CPU per request, the figure to cut.",
        "",
        "| workload | target | workers found | req/s | growth | p99 | server | PostgreSQL | wrk "
        "| others | idle | server CPU/request | RSS after |",
        "|---|---|---:|" + "---:|" * 10,
    ]
    for workload in keys:
        for name in (one, two):
            runs = m.runs[name, workload.key]

            def median(attribute: str, target: str = name, key: str = workload.key) -> float:
                return m.median(target, key, attribute)

            busy = sum(median(a) for a in ("server_cpu", "postgres_cpu", "wrk_cpu", "other_cpu"))
            growth = _over(median("rps"), m.median(one, workload.key, "rps"))
            lines.append(
                f"| {workload.name} | {'1 worker' if name == one else 'WORKERS=2'} "
                f"| {max(run.workers for run in runs)} "
                f"| {_rps(median('rps'))} | {_ratio(growth)} | {median('p99_ms'):.1f} ms "
                f"| {median('server_cpu'):.2f} | {median('postgres_cpu'):.2f} "
                f"| {median('wrk_cpu'):.2f} | {median('other_cpu'):.2f} "
                f"| {max(0.0, (os.cpu_count() or 1) - busy):.2f} "
                f"| {median('server_ms_per_request'):.2f} ms | {median('rss_mib'):.0f} MiB |"
            )
    return lines


def _headline(m: Measurements) -> list[str]:
    pairs = [
        ("reelgraph-postgres", "postgraphile", "Reelgraph (PG) / PostGraphile 4"),
        ("reelgraph-postgres", "postgraphile5", "Reelgraph (PG) / PostGraphile 5"),
        ("postgraphile5", "postgraphile", "PostGraphile 5 / 4"),
        ("reelgraph-postgres", "ceiling", "Reelgraph (PG) / ceiling"),
        ("reelgraph-sqlite", "reelgraph-postgres", "Reelgraph SQLite / PG"),
        ("postgraphile", "ceiling", "PostGraphile / ceiling"),
        ("reelgraph-postgres-cached", "reelgraph-postgres", "Reelgraph cache on / off"),
        ("reelgraph-postgres-cached", "ceiling", "Reelgraph cache on / ceiling"),
    ]
    pairs = [pair for pair in pairs if pair[0] in m.targets and pair[1] in m.targets]
    if not pairs:
        return ["(no pair of targets to compare in this run)"]
    lines = [
        "Throughput ratios (median req/s over median req/s; below 1 means slower):",
        "",
        "| workload | " + " | ".join(label for *_, label in pairs) + " |",
        "|---|" + "---:|" * len(pairs),
    ]
    for workload in WORKLOADS:
        ratios = [
            _ratio(_over(m.median(a, workload.key, "rps"), m.median(b, workload.key, "rps")))
            if _driven(m, a, workload.key) and _driven(m, b, workload.key)
            else "n/a"
            for a, b, _ in pairs
        ]
        lines.append(f"| {workload.name} | " + " | ".join(ratios) + " |")
    return lines


def _generation_note(
    what: str, generation: Generation | None, catalogue: Catalogue | ScaleCatalogue
) -> str:
    if generation is None:
        return ""
    when = (
        "in this run"
        if catalogue.loaded_this_run
        else f"on {generation.loaded_at.replace('T', ' ')[:16]} UTC (reused by this run)"
    )
    alone = generation.generator_titles_per_second
    generator = (
        ""
        if alone is None
        else f" (the synthetic titles alone, as the command(s) report it:"
        f" {generation.generator_seconds:.1f} s, {alone:,.0f} titles/s)"
    )
    return (
        f"{what} {generation.synthetic:,} synthetic titles"
        f" (`{'` then `'.join(generation.commands)}`) took {generation.seconds:.1f} s,"
        f" {generation.titles_per_second:,.0f} titles/s, {when}: wall time of the seed"
        f" command(s), start-up, migrations and curated catalogue included{generator}."
    )


def _scale(m: Measurements) -> list[str]:
    """The Scale section: W1 and W3 at the bench catalogue's size and at the scale run's."""
    scale, base, s = m.scale, m.catalogue, m.settings
    assert scale is not None
    small, large = f"{base.synthetic:,}", f"{scale.synthetic:,}"
    added = scale.synthetic - base.synthetic
    baseline = (
        "The two servers were driven in turn (round-robin per repetition) in this phase."
        if m.scale_baseline_interleaved
        else f"The {small}-title figures are the *{TARGETS[BASELINE].label}* runs above; "
        f"the {large}-title runs came after the comparison, in the same `make bench`."
    )
    load_average = " / ".join(f"{x:.2f}" for x in m.scale_load_average)
    lines = [
        f"## Scale: {small} vs {large} titles",
        "",
        f"Measured {m.started:%Y-%m-%d %H:%M} UTC; code: {m.code}. Reelgraph on PostgreSQL as "
        f"in *{TARGETS[BASELINE].label}* (response cache off, rate limit off, one uvicorn "
        f"worker) on `{PG_DATABASE}` ({base.titles:,} titles) and on `{scale.database}` "
        f"({scale.titles:,} titles: the same rows plus {added:,} more synthetic titles "
        f"from `--seed {SCALE_SEED}`). Same documents, variables and wrk settings "
        f"({s.threads} thread(s), {s.connections} connections, {s.warmup} s warm-up then "
        f"{s.duration} s, {m.repeat} repetition(s); medians). W1 reads `{base.slug}` in "
        "both, and the two answers are checked to be identical. W3 searches "
        f'"{SEARCH_TEXT}", which matches {scale.base_search_matches:,} titles in the small '
        f"catalogue and {scale.search_matches:,} in the large one; its best 21 are read "
        f"from the head of the `title_search_terms` index. {baseline} Load average "
        f"before driving the {large}-title server: {load_average}.",
        "",
        "| workload | synthetic titles | req/s | p50 | p99 | SQL statements/request "
        "| server CPU/request | postgres CPU/request | others' CPU |",
        "|---|---:|" + "---:|" * 7,
    ]
    for workload in SCALE_WORKLOADS:
        for name, size in ((BASELINE, small), (SCALE, large)):

            def median(attribute: str, target: str = name, key: str = workload.key) -> float:
                return m.median(target, key, attribute)

            statements = m.statements.get((name, workload.key))
            lines.append(
                f"| {workload.name} | {size} "
                f"| {_rps(median('rps'))} "
                f"| {median('p50_ms'):.1f} ms "
                f"| {median('p99_ms'):.1f} ms "
                f"| {'n/a' if statements is None else statements} "
                f"| {median('server_ms_per_request'):.2f} ms "
                f"| {median('postgres_ms_per_request'):.2f} ms "
                f"| {median('other_cpu'):.2f} |"
            )
    lines += [
        "",
        f"Ratios ({large} over {small}; the target is throughput within 20%, a req/s "
        "ratio of at least 0.80):",
        "",
        "| workload | req/s | p50 | p99 | within 20% |",
        "|---|---:|---:|---:|---|",
    ]
    for workload in SCALE_WORKLOADS:
        ratios = [
            _over(
                m.median(SCALE, workload.key, attribute),
                m.median(BASELINE, workload.key, attribute),
            )
            for attribute in ("rps", "p50_ms", "p99_ms")
        ]
        met = "yes" if ratios[0] >= 0.8 else "no"
        lines.append(f"| {workload.name} | " + " | ".join(map(_ratio, ratios)) + f" | {met} |")
    loaded = _generation_note("Generating", scale.generation, scale) or (
        f"The time it took to generate `{scale.database}` is unknown (loaded without a record)."
    )
    lines += [
        "",
        f"**Catalogue generation**: {loaded} Then `VACUUM ANALYZE` and a checkpoint (as the "
        f"bench database gets `VACUUM ANALYZE`) took {scale.vacuum_seconds:.1f} s in this run.",
        "",
        "Every run (req/s): "
        + "; ".join(
            f"{workload.name} at {size}: "
            + ", ".join(_rps(run.rps) for run in m.runs[name, workload.key])
            for workload in SCALE_WORKLOADS
            for name, size in ((BASELINE, small), (SCALE, large))
        )
        + ".",
    ]
    return lines


def _table(m: Measurements, workload: str) -> list[str]:
    lines = [
        "| target | req/s | / faster PostGraphile | p50 | p99 | SQL statements/request "
        "| response bytes | server CPU | server CPU/request | postgres CPU "
        "| postgres CPU/request | wrk CPU/request | others' CPU | RSS after | workers "
        "| PG connections opened |",
        "|---|" + "---:|" * 15,
    ]
    for name in m.targets:
        if not _driven(m, name, workload):
            continue
        statements = m.statements.get((name, workload))
        versus = _versus_postgraphile(m, name, workload)

        def median(attribute: str, target: str = name) -> float:
            return m.median(target, workload, attribute)

        lines.append(
            f"| {TARGETS[name].label} "
            f"| {_rps(median('rps'))} "
            f"| {'n/a' if versus is None else _ratio(versus)} "
            f"| {median('p50_ms'):.1f} ms "
            f"| {median('p99_ms'):.1f} ms "
            f"| {'n/a' if statements is None else statements} "
            f"| {m.response_bytes.get((name, workload), 0):,} "
            f"| {median('server_cpu'):.2f} "
            f"| {median('server_ms_per_request'):.2f} ms "
            f"| {median('postgres_cpu'):.2f} "
            f"| {median('postgres_ms_per_request'):.2f} ms "
            f"| {median('wrk_ms_per_request'):.2f} ms "
            f"| {median('other_cpu'):.2f} "
            f"| {median('rss_mib'):.0f} MiB "
            f"| {max(run.workers for run in m.runs[name, workload])} "
            f"| {median('new_connections'):.0f} |"
        )
    return lines


def _rps(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _over(value: float, base: float) -> float:
    """A ratio; NaN (shown "n/a") over a run in which no request completed."""
    return value / base if base else math.nan


def _ratio(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.2g}"


def _all_runs(m: Measurements) -> list[str]:
    lines = ["| workload | target | runs |", "|---|---|---|"]
    for workload in WORKLOADS:
        for name in m.targets:
            if not _driven(m, name, workload.key):
                continue
            runs = ", ".join(_rps(run.rps) for run in m.runs[name, workload.key])
            lines.append(f"| {workload.name} | {TARGETS[name].label} | {runs} |")
    return lines


def _versions() -> str:
    parts = [f"Python {platform.python_version()}"]
    parts += [f"{name} {metadata.version(name)}" for name in PYTHON_PACKAGES]
    parts.append(f"aiosqlite {metadata.version('aiosqlite')}")
    # Not installed with --only-scale on a fresh clone.
    for folder, node in ((BENCH, "node"), (BENCH / "pg5", str(NODE_22))):
        installed = folder / "node_modules/postgraphile/package.json"
        if installed.exists() and shutil.which(node):
            package = json.loads(installed.read_text())
            ran = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
            parts.append(f"PostGraphile {package['version']} on Node {ran.stdout.strip()}")
    parts.append(wrk_version())
    return ", ".join(parts)


def _machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = [
        line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line
    ]
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    cpu = models[0] if models else platform.processor()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {total_kb / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}"
    )


def started_now() -> datetime:
    return datetime.now(UTC)
