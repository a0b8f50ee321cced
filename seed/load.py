"""Load catalogue entries (the JSON shape of `seed/catalogue/*.json`) idempotently.

Rows are matched by slug: a title, person, genre or provider that exists is
left as it is, so loading the same catalogue twice adds nothing. Then the TV
guide (seed/guide.py) is completed: series' seasons, channels, the week of
airings around today, images.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Credit,
    Genre,
    LanguageUse,
    Monetization,
    Person,
    Platform,
    Provider,
    Review,
    Title,
    TitleGenre,
    TitleLanguage,
    VideoQuality,
)
from models.availability import NewOffer, OfferIdentity, OfferTerms, write_new_offers
from models.columns import id_column
from models.reviews import mean_rating
from models.slugs import slugify
from seed.example import REFUSENIK
from seed.guide import GuideReport, load_guide
from seed.reference import GENRES, PROVIDERS

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
Entry = dict[str, Any]


def utc_today() -> date:
    return datetime.now(UTC).date()


def curated_entries() -> list[Entry]:
    """The example title first, then every curated catalogue file."""
    entries = [REFUSENIK]
    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        entries.extend(json.loads(path.read_text(encoding="utf-8"))["titles"])
    return entries


@dataclass
class LoadReport:
    titles_added: int
    titles_skipped: int
    guide: GuideReport


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Title))


async def ensure_reference_rows(session: AsyncSession) -> None:
    """The genres and providers every catalogue and importer refers to by slug."""
    await _ensure_by_slug(session, Genre, GENRES)
    await _ensure_by_slug(session, Provider, PROVIDERS)


async def load_entries(session: AsyncSession, entries: Sequence[Entry]) -> LoadReport:
    """Insert the entries whose slug is new, with everything they reference."""
    genre_ids = await _ensure_by_slug(session, Genre, GENRES)
    provider_ids = await _ensure_by_slug(session, Provider, PROVIDERS)
    existing = set(
        await session.scalars(
            select(col(Title.slug)).where(col(Title.slug).in_([e["slug"] for e in entries]))
        )
    )
    new = [entry for entry in entries if entry["slug"] not in existing]
    people = {slugify(c["person"]): c["person"] for e in new for c in e.get("credits", [])}
    person_ids = await _ensure_by_slug(session, Person, people)
    now = datetime.now(UTC)
    offers: list[NewOffer] = []
    for entry in new:
        title_id = await _insert_title(session, entry, genre_ids, person_ids)
        offers += [
            _new_offer(title_id, offer, provider_ids, now) for offer in entry.get("offers", [])
        ]
    await write_new_offers(session, offers)
    guide = await load_guide(session, [entry["slug"] for entry in entries], utc_today())
    return LoadReport(titles_added=len(new), titles_skipped=len(entries) - len(new), guide=guide)


async def _ensure_by_slug(
    session: AsyncSession, table: type[Any], names: dict[str, str]
) -> dict[str, int]:
    """Ids by slug, inserting the rows (slug, name) that are missing."""
    existing = select(table.slug, table.id).where(table.slug.in_(names))
    found: dict[str, int] = dict((await session.execute(existing)).all())
    missing = [{"slug": slug, "name": name} for slug, name in names.items() if slug not in found]
    if missing:
        rows = await session.execute(insert(table).returning(table.slug, table.id), missing)
        found |= dict(rows.all())
    return found


async def _insert_title(
    session: AsyncSession,
    entry: Entry,
    genre_ids: dict[str, int],
    person_ids: dict[str, int],
) -> int:
    """Inserts the title and its children but its offers; returns its id."""
    release = entry.get("releaseDate")
    inserted = await session.execute(
        insert(Title)
        .returning(id_column(Title.id))
        .values(
            slug=entry["slug"],
            name=entry["name"],
            kind=entry["kind"],
            year=entry.get("year"),
            release_date=date.fromisoformat(release) if release else None,
            content_rating=entry.get("contentRating"),
            runtime_minutes=entry.get("runtimeMinutes"),
            original_language=entry.get("originalLanguage"),
            synopsis=entry.get("synopsis"),
            critic_rating=mean_rating(review.get("rating") for review in entry.get("reviews", [])),
        )
    )
    title_id = inserted.scalar_one()
    children: list[tuple[type[Any], list[dict[str, Any]]]] = [
        (TitleGenre, [{"title_id": title_id, "genre_id": genre_ids[g]} for g in entry["genres"]]),
        (TitleLanguage, _languages(title_id, entry)),
        (Credit, _credits(title_id, entry.get("credits", []), person_ids)),
        (Review, [_review(title_id, review) for review in entry.get("reviews", [])]),
    ]
    for table, rows in children:
        if rows:
            await session.execute(insert(table), rows)
    return int(title_id)


def _languages(title_id: int, entry: Entry) -> list[dict[str, Any]]:
    return [
        {"title_id": title_id, "use": use, "language": language, "position": position}
        for use, key in (
            (LanguageUse.AUDIO, "audioLanguages"),
            (LanguageUse.SUBTITLE, "subtitleLanguages"),
        )
        for position, language in enumerate(dict.fromkeys(entry.get(key, [])))
    ]


def _credits(
    title_id: int, credits: Iterable[Entry], person_ids: dict[str, int]
) -> list[dict[str, Any]]:
    return [
        {
            "title_id": title_id,
            "person_id": person_ids[slugify(credit["person"])],
            "role": credit["role"],
            "character": credit.get("character"),
            "position": position,
        }
        for position, credit in enumerate(credits)
    ]


def _review(title_id: int, review: Entry) -> dict[str, Any]:
    published = review.get("publishedAt")
    return {
        "title_id": title_id,
        "reviewer": review["reviewer"],
        "publication": review.get("publication"),
        "rating": review.get("rating"),
        "body": review["body"],
        "published_at": date.fromisoformat(published) if published else None,
    }


def _new_offer(
    title_id: int, offer: Entry, provider_ids: dict[str, int], now: datetime
) -> NewOffer:
    """The offer as confirmed now, after its price history replayed at the days it
    changed (relative to today, so the catalogue never goes stale), through the
    writer the API uses: prices and availability changes are recorded alike."""
    identity = OfferIdentity(
        title_id=title_id,
        provider_id=provider_ids[offer["provider"]],
        region=offer["region"],
        monetization=Monetization(offer["monetization"]),
        quality=None if offer.get("quality") is None else VideoQuality(offer["quality"]),
    )
    start, end = _instant(offer.get("availableFrom")), _instant(offer.get("availableUntil"))
    today = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    if "comingInDays" in offer:
        start = today + timedelta(days=offer["comingInDays"])
    if "leavingInDays" in offer:
        end = today + timedelta(days=offer["leavingInDays"])
    terms = OfferTerms(
        url=offer["url"],
        price=None if offer.get("price") is None else Decimal(offer["price"]),
        currency=offer.get("currency"),
        available_from=start,
        available_until=end,
        audio_languages=offer.get("audioLanguages", []),
        subtitle_languages=offer.get("subtitleLanguages", []),
        app_links={Platform(name): url for name, url in offer.get("links", {}).items()},
    )
    history = [
        (replace(terms, price=Decimal(point["price"])), now - timedelta(days=point["daysAgo"]))
        for point in offer.get("priceHistory", [])
    ]
    return NewOffer(identity, [*history, (terms, now)])


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
