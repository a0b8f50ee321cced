"""A deterministic generator of large synthetic catalogues, for benchmarks.

Shape per title (on average): 8 credits, 3 reviews with ~1,500-character
bodies, 4 offers across 5 regions, 2 genres and a ~600-character synopsis.
Rows go in with multi-row INSERTs in batches, ids assigned here so no
statement has to return them.
"""

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from tqdm import tqdm

from models import (
    Credit,
    CreditRole,
    Genre,
    LanguageUse,
    Monetization,
    Offer,
    Person,
    Provider,
    Review,
    Title,
    TitleGenre,
    TitleLanguage,
)
from seed.load import load_entries

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

    def person_rows(self) -> list[dict[str, Any]]:
        rows = []
        for index in range(self.people):
            pid = self.first_person_id + index
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
            rows.append(
                {"id": pid, "slug": f"{first}-{last}-{pid}".lower(), "name": f"{first} {last}"}
            )
        return rows

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
        }
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
        }


TABLES = {
    "titles": Title,
    "title_genres": TitleGenre,
    "title_languages": TitleLanguage,
    "credits": Credit,
    "reviews": Review,
    "offers": Offer,
}


async def generate(
    session: AsyncSession, titles: int, seed: int = 42, batch_size: int = 1000
) -> None:
    """Add `titles` synthetic titles (and people) to the catalogue, in batches."""
    await load_entries(session, [])  # reference genres and providers
    genre_ids = list(await session.scalars(select(Genre.id).order_by(Genre.id)))
    provider_ids = list(await session.scalars(select(Provider.id).order_by(Provider.id)))

    async def next_id(table: type[Any]) -> int:
        return int(await session.scalar(select(func.coalesce(func.max(table.id), 0))) or 0) + 1

    generator = Generator(
        seed, await next_id(Title), await next_id(Person), people=max(200, titles // 2)
    )
    await _insert_batches(session, Person, iter(generator.person_rows()), batch_size * 5)
    review_id, credit_id = await next_id(Review), await next_id(Credit)
    with tqdm(total=titles, unit="title", desc="synthetic titles") as progress:
        for start in range(0, titles, batch_size):
            batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
            for _ in range(min(batch_size, titles - start)):
                rows = generator.title(genre_ids, provider_ids, review_id, credit_id)
                review_id += len(rows["reviews"])
                credit_id += len(rows["credits"])
                for name, table_rows in rows.items():
                    batch[name].extend(table_rows)
            for name, table in TABLES.items():
                await session.execute(insert(table.__table__), batch[name])
            progress.update(min(batch_size, titles - start))
    if session.bind.dialect.name == "postgresql":
        for table_name in ("titles", "people", "reviews", "credits", "offers"):
            await session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), max(id))"
                    f" FROM {table_name}"
                )
            )


async def _insert_batches(
    session: AsyncSession, table: type[Any], rows: Iterator[dict[str, Any]], size: int
) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            await session.execute(insert(table.__table__), batch)
            batch = []
    if batch:
        await session.execute(insert(table.__table__), batch)
