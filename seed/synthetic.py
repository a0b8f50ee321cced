"""A deterministic generator of large synthetic catalogues, for benchmarks.

Shape per title (on average): 8 credits, 3 reviews with ~1,500-character
bodies, 4 offers across 5 regions, 2 genres and a ~600-character synopsis.
Every id is assigned here, so no statement has to return one, and the same
seed gives the same rows on every engine and whichever way they are written.

Rows are written in batches of titles. On PostgreSQL each batch goes in with
one binary COPY per table (asyncpg's `copy_records_to_table` on the session's
own connection, so inside its transaction). COPY fires the foreign-key
triggers and the search index's statement trigger (one INSERT of the batch's
`title_search_terms`) and computes the generated `search_vector` column as an
INSERT does, so no index or constraint is dropped or rebuilt. Elsewhere (SQLite) a batch is
one multi-row INSERT per table, which also fires the FTS5 triggers. While a
batch is written the next one is generated in a worker thread, so memory stays
at a few batches whatever the catalogue's size.

`generate` writes in its caller's transaction. `generate_in_parallel` (what
`python -m seed --titles N` uses on PostgreSQL) spreads the batches over
several connections, whose database work then runs on several cores: each
connection writes its share in one transaction, and they all commit once every
batch is written; if anything fails, they roll back and the people added
beforehand are deleted again.
"""

import asyncio
import contextlib
import operator
import random
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlmodel import SQLModel, col
from tqdm import tqdm

from models import (
    Credit,
    CreditRole,
    Genre,
    LanguageUse,
    Monetization,
    Offer,
    OfferLink,
    OfferPrice,
    Person,
    Platform,
    Provider,
    Review,
    Title,
    TitleGenre,
    TitleLanguage,
)
from models.columns import id_column, table_of
from models.db import create_sessionmaker
from models.reviews import mean_rating
from seed.load import load_entries

Method = Literal["copy", "insert"]
Rows = dict[str, list[dict[str, Any]]]

REGIONS = {"US": "USD", "GB": "GBP", "CA": "CAD", "DE": "EUR", "FR": "EUR"}
LANGUAGES = ["en", "fr", "de", "es", "it", "ja", "ko", "sv", "pt", "hi"]
ADJECTIVES = [
    "Silent",
    "Broken",
    "Golden",
    "Hidden",
    "Last",
    "Burning",
    "Crimson",
    "Distant",
    "Endless",
    "Frozen",
    "Lost",
    "Midnight",
    "Northern",
    "Quiet",
    "Restless",
    "Secret",
    "Shattered",
    "Wild",
    "Hollow",
    "Bright",
    "Forgotten",
    "Iron",
    "Paper",
    "Velvet",
]
NOUNS = [
    "River",
    "Empire",
    "Garden",
    "Harbor",
    "Kingdom",
    "Signal",
    "Winter",
    "Orchard",
    "Frontier",
    "Mirror",
    "Station",
    "Valley",
    "Island",
    "Machine",
    "Letters",
    "Tide",
    "Horizon",
    "Archive",
    "Lantern",
    "Storm",
    "Bridge",
    "Orchestra",
    "Theorem",
    "Crown",
]
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Clara",
    "Dev",
    "Elena",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Luca",
    "Maya",
    "Nils",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Abara",
    "Bellini",
    "Castro",
    "Dahl",
    "Eriksen",
    "Fontaine",
    "Garcia",
    "Haddad",
    "Ito",
    "Jansen",
    "Kowalski",
    "Laurent",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Sato",
    "Tanaka",
    "Umarov",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
]
WORDS = [
    "story",
    "film",
    "director",
    "performance",
    "camera",
    "city",
    "family",
    "memory",
    "war",
    "love",
    "silence",
    "light",
    "night",
    "music",
    "history",
    "journey",
    "character",
    "audience",
    "scene",
    "portrait",
    "truth",
    "power",
    "time",
    "voice",
    "world",
    "small",
    "quiet",
    "bold",
    "tender",
    "restless",
    "careful",
    "sweeping",
    "intimate",
    "patient",
    "strange",
    "luminous",
]
ROLES = [CreditRole.DIRECTOR, CreditRole.WRITER, *[CreditRole.CAST] * 5, CreditRole.COMPOSER]


class Generator:
    def __init__(self, seed: int, first_title_id: int, first_person_id: int, people: int) -> None:
        self.random = random.Random(seed)
        self.next_title_id = first_title_id
        self.first_person_id = first_person_id
        self.people = people
        # When the generated offers were confirmed, and their prices set.
        self.checked_at = datetime.now(UTC)
        # A pool of sentences keeps generation fast; combinations keep texts distinct.
        self.sentences = [self._sentence() for _ in range(400)]

    def _sentence(self) -> str:
        words = self.random.choices(WORDS, k=self.random.randint(8, 18))
        return " ".join(words).capitalize() + "."

    def paragraph(self, length: int) -> str:
        parts: list[str] = []
        size = 0
        while size < length:
            sentence = self.random.choice(self.sentences)
            parts.append(sentence)
            size += len(sentence) + 1
        return " ".join(parts)

    def person_rows(self) -> Iterator[dict[str, Any]]:
        for index in range(self.people):
            pid = self.first_person_id + index
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
            yield {"id": pid, "slug": f"{first}-{last}-{pid}".lower(), "name": f"{first} {last}"}

    def batch(
        self, count: int, genre_ids: list[int], provider_ids: list[int], ids: "NextIds"
    ) -> Rows:
        """The rows of the next `count` titles, table by table (`ids` advances)."""
        batch: Rows = {name: [] for name in TABLES}
        for _ in range(count):
            rows = self.title(genre_ids, provider_ids, ids.review, ids.credit)
            for offer in rows["offers"]:
                offer["id"] = ids.offer
                ids.offer += 1
                # Its WEB link is its url, its price its first price point.
                rows["offer_links"].append(
                    {"offer_id": offer["id"], "platform": Platform.WEB, "url": offer["url"]}
                )
                if offer["price"] is not None:
                    rows["offer_prices"].append(
                        {
                            "offer_id": offer["id"],
                            "price": offer["price"],
                            "currency": offer["currency"],
                            "since": self.checked_at,
                        }
                    )
            ids.review += len(rows["reviews"])
            ids.credit += len(rows["credits"])
            for name, table_rows in rows.items():
                batch[name].extend(table_rows)
        return batch

    def title(
        self, genre_ids: list[int], provider_ids: list[int], review_id: int, credit_id: int
    ) -> dict[str, list[dict[str, Any]]]:
        rnd = self.random
        tid = self.next_title_id
        self.next_title_id += 1
        year = rnd.randint(1950, 2025)
        name = f"The {rnd.choice(ADJECTIVES)} {rnd.choice(NOUNS)}"
        language = rnd.choice(LANGUAGES)
        rows: dict[str, list[dict[str, Any]]] = {
            "titles": [
                {
                    "id": tid,
                    "slug": f"{name.lower().replace(' ', '-')}-{year}-{tid}",
                    "name": name,
                    "kind": rnd.choice(["MOVIE", "MOVIE", "SERIES"]),
                    "year": year,
                    "release_date": date(year, 1, 1) + timedelta(days=rnd.randint(0, 364)),
                    "content_rating": rnd.choice(["G", "PG", "PG-13", "R", "NR"]),
                    "runtime_minutes": rnd.randint(70, 180),
                    "original_language": language,
                    "synopsis": self.paragraph(600),
                }
            ],
            "title_genres": [{"title_id": tid, "genre_id": g} for g in rnd.sample(genre_ids, k=2)],
            "title_languages": [
                {"title_id": tid, "use": LanguageUse.AUDIO, "language": language, "position": 0},
                {"title_id": tid, "use": LanguageUse.SUBTITLE, "language": "en", "position": 0},
            ],
            "credits": [
                {
                    "id": credit_id + position,
                    "title_id": tid,
                    "person_id": self.first_person_id + rnd.randrange(self.people),
                    "role": role,
                    "character": f"{rnd.choice(FIRST_NAMES)}" if role is CreditRole.CAST else None,
                    "position": position,
                }
                for position, role in enumerate(ROLES)
            ],
            "reviews": [
                {
                    "id": review_id + index,
                    "title_id": tid,
                    "reviewer": f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}",
                    "publication": rnd.choice(["The Daily Reel", "Screen Ledger", None]),
                    "rating": rnd.choice([None, *[step / 2 for step in range(11)]]),
                    "body": self.paragraph(1500),
                    "published_at": date(year, 1, 1) + timedelta(days=rnd.randint(0, 3000)),
                }
                for index in range(3)
            ],
            "offers": [
                self.offer(tid, provider_ids, region) for region in rnd.sample(list(REGIONS), k=4)
            ],
            "offer_links": [],
            "offer_prices": [],
        }
        ratings = (review["rating"] for review in rows["reviews"])
        rows["titles"][0]["critic_rating"] = mean_rating(ratings)
        return rows

    def offer(self, tid: int, provider_ids: list[int], region: str) -> dict[str, Any]:
        monetization = self.random.choice(list(Monetization))
        paid = monetization in (Monetization.RENT, Monetization.BUY)
        return {
            "title_id": tid,
            "provider_id": self.random.choice(provider_ids),
            "region": region,
            "monetization": monetization,
            "quality": self.random.choice(["SD", "HD", "UHD"]),
            "price": Decimal(self.random.choice(["2.99", "3.99", "9.99", "14.99"]))
            if paid
            else None,
            "currency": REGIONS[region] if paid else None,
            "url": f"https://watch.example.com/{region.lower()}/{tid}",
            "last_checked_at": self.checked_at,
        }


TABLES: dict[str, type[SQLModel]] = {
    "titles": Title,
    "title_genres": TitleGenre,
    "title_languages": TitleLanguage,
    "credits": Credit,
    "reviews": Review,
    "offers": Offer,
    "offer_links": OfferLink,
    "offer_prices": OfferPrice,
}
# Tables whose ids come from a sequence on PostgreSQL: advanced past the ids written here.
SEQUENCES = ("titles", "people", "reviews", "credits", "offers")


@dataclass
class NextIds:
    review: int
    credit: int
    offer: int


@dataclass(frozen=True)
class GenerateReport:
    titles: int
    people: int
    method: str  # "copy", "insert", or "copy over N connections"
    seconds: float

    @property
    def titles_per_second(self) -> float:
        return self.titles / self.seconds if self.seconds else 0.0


@dataclass
class _Plan:
    """What a load writes: the generator (people, then titles batch by batch)."""

    generator: Generator
    genre_ids: list[int]
    provider_ids: list[int]
    ids: NextIds
    first_title_id: int
    first_person_id: int
    batch_sizes: list[int]
    people_batch_size: int

    def batch(self, count: int) -> Rows:
        return self.generator.batch(count, self.genre_ids, self.provider_ids, self.ids)


async def generate(
    session: AsyncSession,
    titles: int,
    seed: int = 42,
    batch_size: int = 1000,
    method: Method | None = None,
    progress: bool = True,
) -> GenerateReport:
    """Add `titles` synthetic titles (and people) to the catalogue, in batches,
    in the session's transaction (the caller commits).

    `method` defaults to "copy" on PostgreSQL and "insert" elsewhere; both write
    the same rows.
    """
    started = time.monotonic()
    dialect = session.get_bind().dialect
    method = method or ("copy" if dialect.name == "postgresql" else "insert")
    if method == "copy" and dialect.name != "postgresql":
        raise ValueError("COPY needs PostgreSQL")
    plan = await _plan(session, titles, seed, batch_size)
    writer: _Writer
    if method == "copy":
        writer = await _CopyWriter.of(await session.connection())
    else:
        writer = _InsertWriter(session)
    await _write_people(writer, plan)
    with _progress_bar(titles, progress) as bar:
        async with contextlib.aclosing(_batches(plan)) as batches:
            async for batch, size in batches:
                await _write_batch(writer, batch)
                bar.update(size)
    if dialect.name == "postgresql":
        await _advance_sequences(await session.connection())
    return GenerateReport(titles, plan.generator.people, method, time.monotonic() - started)


async def generate_in_parallel(
    engine: AsyncEngine,
    titles: int,
    seed: int = 42,
    batch_size: int = 1000,
    connections: int = 2,
    progress: bool = True,
) -> GenerateReport:
    """`generate` on PostgreSQL with the batches spread over `connections` COPY
    connections, for the database's work to use as many cores; the same rows.

    People (and reference rows) are committed first, since every connection's
    credits refer to them. Each connection then writes the batches it takes in one
    transaction; all commit once every batch is written. On any failure (Ctrl-C
    included) they roll back and the people are deleted: nothing stays behind,
    unless a failure strikes between the connections' commits.
    """
    if engine.dialect.name != "postgresql":
        raise ValueError("parallel COPY needs PostgreSQL")
    if connections < 1:
        raise ValueError("connections must be at least 1")
    started = time.monotonic()
    async with create_sessionmaker(engine)() as session, session.begin():
        plan = await _plan(session, titles, seed, batch_size)
        await _write_people(await _CopyWriter.of(await session.connection()), plan)
    try:
        with _progress_bar(titles, progress) as bar:
            await _write_in_parallel(engine, plan, connections, bar)
    except BaseException:
        await asyncio.shield(_remove(engine, plan))
        raise
    async with engine.begin() as connection:
        await _advance_sequences(connection)
    method = f"copy over {connections} connection{'s' if connections > 1 else ''}"
    return GenerateReport(titles, plan.generator.people, method, time.monotonic() - started)


async def _plan(session: AsyncSession, titles: int, seed: int, batch_size: int) -> _Plan:
    await load_entries(session, [])  # reference genres and providers
    genre_ids = list(await session.scalars(select(id_column(Genre.id)).order_by(col(Genre.id))))
    provider_ids = list(
        await session.scalars(select(id_column(Provider.id)).order_by(col(Provider.id)))
    )

    async def next_id(table: type[Any]) -> int:
        return int(await session.scalar(select(func.coalesce(func.max(table.id), 0))) or 0) + 1

    first_title_id, first_person_id = await next_id(Title), await next_id(Person)
    generator = Generator(seed, first_title_id, first_person_id, people=max(200, titles // 2))
    ids = NextIds(await next_id(Review), await next_id(Credit), await next_id(Offer))
    sizes = [min(batch_size, titles - start) for start in range(0, titles, batch_size)]
    return _Plan(
        generator,
        genre_ids,
        provider_ids,
        ids,
        first_title_id,
        first_person_id,
        sizes,
        people_batch_size=batch_size * 5,
    )


async def _batches(plan: _Plan) -> AsyncGenerator[tuple[Rows, int]]:
    """The plan's batches, each generated in a thread while the previous one is
    written: awaiting the database releases the GIL, so both progress. One batch at
    a time, in order, so the random sequence (and so every row) stays the same."""
    sizes = plan.batch_sizes
    if not sizes:
        return
    pending = asyncio.ensure_future(asyncio.to_thread(plan.batch, sizes[0]))
    try:
        for index, size in enumerate(sizes):
            batch = await pending
            if index + 1 < len(sizes):
                pending = asyncio.ensure_future(asyncio.to_thread(plan.batch, sizes[index + 1]))
            yield batch, size
    finally:
        if not pending.done():  # the consumer failed: let the thread finish first
            await asyncio.wait([pending])
        if not pending.cancelled():
            pending.exception()  # retrieved, so asyncio does not log it


async def _write_people(writer: "_Writer", plan: _Plan) -> None:
    for people in _chunks(plan.generator.person_rows(), plan.people_batch_size):
        await writer.write(table_of(Person), people)


async def _write_batch(writer: "_Writer", batch: Rows) -> None:
    for name, table in TABLES.items():
        await writer.write(table_of(table), batch[name])


async def _write_in_parallel(
    engine: AsyncEngine, plan: _Plan, connections: int, bar: "tqdm[Any]"
) -> None:
    queue: asyncio.Queue[tuple[Rows, int] | None] = asyncio.Queue(maxsize=connections)
    all_written = asyncio.Event()
    done = 0

    async def produce() -> None:
        async with contextlib.aclosing(_batches(plan)) as batches:
            async for item in batches:
                await queue.put(item)
        for _ in range(connections):
            await queue.put(None)

    async def write() -> None:
        nonlocal done
        async with engine.connect() as connection:
            writer = await _CopyWriter.of(connection, start_transaction=False)
            async with writer.connection.transaction():
                while (item := await queue.get()) is not None:
                    batch, size = item
                    await _write_batch(writer, batch)
                    bar.update(size)
                done += 1
                if done == connections:
                    all_written.set()
                # Commit only when every batch is in: a failure elsewhere cancels this
                # wait, and the transaction rolls back.
                await all_written.wait()

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce())
            for _ in range(connections):
                group.create_task(write())
    except BaseExceptionGroup as failures:
        if len(failures.exceptions) == 1:
            raise failures.exceptions[0] from None
        raise


async def _remove(engine: AsyncEngine, plan: _Plan) -> None:
    """Deletes the titles (their rows cascade) and people a failed load added."""
    async with engine.begin() as connection:
        await connection.execute(delete(Title).where(col(Title.id) >= plan.first_title_id))
        await connection.execute(delete(Person).where(col(Person.id) >= plan.first_person_id))


async def _advance_sequences(connection: AsyncConnection | AsyncSession) -> None:
    """COPY and INSERT both wrote explicit ids: move each sequence past them."""
    for table_name in SEQUENCES:
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), max(id))"
                f" FROM {table_name}"
            )
        )


def _progress_bar(titles: int, progress: bool) -> "tqdm[Any]":
    return tqdm(total=titles, unit="title", desc="synthetic titles", disable=not progress)


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Writer(Protocol):
    async def write(self, table: sa.Table, rows: list[dict[str, Any]]) -> None: ...


class _InsertWriter:
    """Multi-row INSERTs through SQLAlchemy (which fills in column defaults)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def write(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(table), rows)


class _CopyWriter:
    """Binary COPY through a SQLAlchemy connection's own asyncpg connection.

    Values go to asyncpg as SQLAlchemy would bind them: enums as their database
    strings, and columns a row leaves out but whose model has a Python-side default
    (`version`, `created_at`...) get it, evaluated once per batch. Columns with
    neither are left out of the COPY, so the database's own default (or NULL, or
    the generated `search_vector`) applies, as with an INSERT.
    """

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection  # asyncpg's
        self.dialect = dialect

    @classmethod
    async def of(cls, connection: AsyncConnection, start_transaction: bool = True) -> "_CopyWriter":
        """`start_transaction`: SQLAlchemy begins its asyncpg transaction lazily, at the
        first statement; one runs here so that COPY cannot autocommit on its own."""
        if start_transaction:
            await connection.execute(text("SELECT 1"))
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        if start_transaction and not driver.is_in_transaction():
            raise RuntimeError("no transaction on the connection: COPY would autocommit")
        return cls(driver, connection.dialect)

    async def write(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        given = [column for column in table.columns if column.name in rows[0]]
        defaulted = [
            column
            for column in table.columns
            if column.name not in rows[0] and column.default is not None
        ]
        converters = [
            (column.name, convert)
            for column in given
            if (convert := self._converter(column)) is not None
        ]
        for row in rows:
            for name, convert in converters:
                row[name] = convert(row[name])
        names = [column.name for column in given]
        extra = tuple(self._default(column) for column in defaulted)
        if len(names) == 1:
            records = [(row[names[0]], *extra) for row in rows]
        else:
            get = operator.itemgetter(*names)  # a tuple in one call
            records = [get(row) + extra for row in rows]
        columns = [*names, *(column.name for column in defaulted)]
        await self.connection.copy_records_to_table(table.name, records=records, columns=columns)

    def _converter(self, column: sa.Column[Any]) -> Callable[[Any], Any] | None:
        process = column.type._cached_bind_processor(self.dialect)
        if process is None:
            return None
        if isinstance(column.type, sa.Enum) and column.type.enum_class is not None:
            # A lookup instead of a call per value: credits alone are 8 rows a title.
            members: list[Any] = [*column.type.enum_class, *column.type.enums]
            known = {member: process(member) for member in members}

            def convert(value: Any) -> Any:
                return known[value] if value in known else process(value)

            return convert
        return lambda value: None if value is None else process(value)

    def _default(self, column: sa.Column[Any]) -> Any:
        default = column.default
        if isinstance(default, sa.ColumnDefault) and default.is_callable:
            value = default.arg(None)
        elif isinstance(default, sa.ColumnDefault) and default.is_scalar:
            value = default.arg
        else:
            raise TypeError(f"{column}: a default COPY cannot evaluate ({default!r})")
        process = column.type._cached_bind_processor(self.dialect)
        return value if process is None or value is None else process(value)
