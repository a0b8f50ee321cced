"""The audit's D8 flood: distinct ~95 KB documents registered as persisted queries.

    .venv/bin/python -m bench.apq_flood [--documents 2000] [--size 95000] [--every 250]

Starts `python -m api` on a new SQLite file (migrated, empty) with rate limiting
off, warms it up (a few normal queries, each twice, and a persisted query), then
registers `--documents` distinct documents of `--size` bytes by Automatic Persisted
Queries: `{ tN: __typename } #xxxx...`, one comment token each (the alias differs so
no two are equal even as parsed documents). It prints the server's resident memory
(VmRSS, /proc) every `--every` documents, and checks that a persisted query
registered before the flood and one registered after it still run by hash alone.
Not a test: numbers depend on the machine and on malloc.
"""

import argparse
import asyncio
import contextlib
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.fanout import free_port, rss_mib, server_process, wait_until
from models.migrations import upgrade

WARM_UP = (
    "{ genres { slug name } }",
    "{ providers { slug name } }",
    "{ titles(first: 5) { totalCount edges { node { name } } } }",
)


def flood_document(index: int, size: int) -> str:
    head = f"{{ t{index}: __typename }} #"
    return head + "x" * (size - len(head))


def persisted(document: str) -> dict[str, Any]:
    digest = hashlib.sha256(document.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def by_hash(http: httpx.AsyncClient, document: str) -> dict[str, Any]:
    response = await http.post("/graphql", json={"extensions": persisted(document)})
    body: dict[str, Any] = response.json()
    return body


async def run(folder: Path, url: str, documents: int, size: int, every: int) -> str:
    lines = []
    port = free_port()
    with server_process(url, port, folder / "server.log") as process:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:

            async def up() -> bool:
                with contextlib.suppress(httpx.TransportError):
                    return (await http.get("/readyz")).status_code == 200
                return False

            await wait_until(up, 60)
            before = "{ genres { slug } }"
            for query in (*WARM_UP, *WARM_UP):
                assert "data" in (await http.post("/graphql", json={"query": query})).json()
            await http.post("/graphql", json={"query": before, "extensions": persisted(before)})
            warm = rss_mib(process.pid)
            lines.append(f"| {0:>9,} | {warm:8.1f} | {0:+8.1f} |")
            for index in range(1, documents + 1):
                document = flood_document(index, size)
                body = {"query": document, "extensions": persisted(document)}
                answer = (await http.post("/graphql", json=body)).json()
                assert answer.get("data") == {f"t{index}": "Query"}, answer
                if index % every == 0 or index == documents:
                    rss = rss_mib(process.pid)
                    lines.append(f"| {index:>9,} | {rss:8.1f} | {rss - warm:+8.1f} |")
            after = "{ providers { slug } }"
            await http.post("/graphql", json={"query": after, "extensions": persisted(after)})
            still = [
                "data" in await by_hash(http, before),
                "data" in await by_hash(http, after),
            ]
    header = [
        f"{documents:,} distinct documents of {size:,} bytes registered by APQ, one at a time",
        "",
        "| documents | VmRSS MiB | vs warm MiB |",
        "|---:|---:|---:|",
    ]
    footer = [
        "",
        f"runs by hash afterwards: registered before the flood {still[0]}, after it {still[1]}",
    ]
    return "\n".join(header + lines + footer)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.apq_flood", description=__doc__)
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--size", type=int, default=95_000)
    parser.add_argument("--every", type=int, default=250)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'flood.db'}"
        upgrade(url)  # outside the event loop: Alembic runs its own
        print(asyncio.run(run(Path(folder), url, args.documents, args.size, args.every)))


if __name__ == "__main__":
    main()
