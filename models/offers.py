"""Streaming providers, their offers of titles per region, and what changed in them."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, enum_column, utc_now
from models.titles import LanguageUse


class Monetization(enum.Enum):
    SUBSCRIPTION = "SUBSCRIPTION"
    FREE = "FREE"
    ADS = "ADS"
    RENT = "RENT"
    BUY = "BUY"


STREAMING_MONETIZATIONS = frozenset(
    {Monetization.SUBSCRIPTION, Monetization.FREE, Monetization.ADS}
)


class VideoQuality(enum.Enum):
    SD = "SD"
    HD = "HD"
    UHD = "UHD"


class Platform(enum.Enum):
    WEB = "WEB"
    IOS = "IOS"
    ANDROID = "ANDROID"
    ANDROID_TV = "ANDROID_TV"
    TVOS = "TVOS"
    ROKU = "ROKU"
    FIRE_TV = "FIRE_TV"


class AvailabilityChangeKind(enum.Enum):
    NEW = "NEW"
    COMING = "COMING"
    LEAVING = "LEAVING"
    GONE = "GONE"
    PRICE_DROP = "PRICE_DROP"


class Provider(SQLModel, table=True):
    __tablename__ = "providers"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=100)


class Offer(SQLModel, table=True):
    __tablename__ = "offers"
    __table_args__ = (
        sa.CheckConstraint("length(region) = 2 AND region = upper(region)", name="region_alpha2"),
        sa.CheckConstraint(
            "currency IS NULL OR (length(currency) = 3 AND currency = upper(currency))",
            name="currency_alpha3",
        ),
        sa.CheckConstraint("price >= 0", name="price_non_negative"),
        # Only rentals and purchases carry a price, and always with its currency.
        sa.CheckConstraint(
            "(monetization IN ('RENT', 'BUY')) = (price IS NOT NULL AND currency IS NOT NULL)"
            " AND (price IS NULL) = (currency IS NULL)",
            name="price_iff_transactional",
        ),
        sa.CheckConstraint(
            "available_until IS NULL OR available_from IS NULL OR available_until > available_from",
            name="window_ordered",
        ),
        sa.CheckConstraint("url LIKE 'https://%'", name="url_https"),
        sa.Index("ix_offers_region_title", "region", "monetization", "title_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )
    provider_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("providers.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    region: str = Field(max_length=2)
    monetization: Monetization = Field(
        sa_column=enum_column(Monetization, "monetization", nullable=False)
    )
    quality: VideoQuality | None = Field(
        default=None, sa_column=enum_column(VideoQuality, "video_quality", nullable=True)
    )
    price: Decimal | None = Field(default=None, sa_type=sa.Numeric(10, 2))
    currency: str | None = Field(default=None, max_length=3)
    url: str = Field(max_length=2000)
    available_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    available_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An offer of one season; None: of the whole title.
    season_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("seasons.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    # The last time a write or an import confirmed the offer, changed or not.
    last_checked_at: datetime = Field(
        default_factory=utc_now, sa_column_kwargs={"nullable": False}, sa_type=UTCDateTime
    )
    # Set by removeOffer: the row stays, so the GONE change that names it keeps its offer.
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# An offer's identity; NULL season (the whole title) and NULL quality are values of
# their own here, as UNIQUE would treat NULLs as all distinct.
OFFER_IDENTITY = sa.Index(
    "uq_offers_identity",
    Offer.__table__.c.title_id,  # type: ignore[attr-defined]
    sa.func.coalesce(Offer.__table__.c.season_id, 0),  # type: ignore[attr-defined]
    Offer.__table__.c.provider_id,  # type: ignore[attr-defined]
    Offer.__table__.c.region,  # type: ignore[attr-defined]
    Offer.__table__.c.monetization,  # type: ignore[attr-defined]
    sa.func.coalesce(Offer.__table__.c.quality, ""),  # type: ignore[attr-defined]
    unique=True,
)


class Region(SQLModel, table=True):
    """Every ISO 3166-1 alpha-2 code (the migration fills it): `Title.offersIn` lists
    one entry per region asked for, offers or not."""

    __tablename__ = "regions"
    __table_args__ = (
        sa.CheckConstraint("length(code) = 2 AND code = upper(code)", name="code_alpha2"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=2, unique=True)


class OfferLanguage(SQLModel, table=True):
    """An audio or subtitle language of one offer, in display order."""

    __tablename__ = "offer_languages"
    __table_args__ = (
        sa.CheckConstraint("length(language) BETWEEN 2 AND 35", name="language_length"),
        sa.CheckConstraint("position >= 0", name="position_non_negative"),
    )

    offer_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    use: LanguageUse = Field(
        sa_column=enum_column(LanguageUse, "offer_language_use", primary_key=True, nullable=False)
    )
    language: str = Field(max_length=35, primary_key=True)
    position: int


class OfferLink(SQLModel, table=True):
    """Where a platform's app (or the web) opens the offer. The WEB link is the
    offer's `url`; apps may use their own schemes (`nflx://...`)."""

    __tablename__ = "offer_links"
    __table_args__ = (
        sa.UniqueConstraint("offer_id", "platform"),
        sa.CheckConstraint(
            "CASE WHEN platform = 'WEB' THEN url LIKE 'https://%'"
            " ELSE url LIKE '%_://_%' AND url NOT LIKE 'javascript:%'"
            " AND url NOT LIKE 'data:%' END",
            name="url_scheme",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("offers.id", ondelete="CASCADE"), nullable=False)
    )
    platform: Platform = Field(sa_column=enum_column(Platform, "platform", nullable=False))
    url: str = Field(max_length=2000)


class OfferPrice(SQLModel, table=True):
    """One price an offer had from `since` until the next row's `since`: appended
    by each write that changes the price, never rewritten."""

    __tablename__ = "offer_prices"
    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="price_non_negative"),
        sa.CheckConstraint(
            "length(currency) = 3 AND currency = upper(currency)", name="currency_alpha3"
        ),
        sa.Index("ix_offer_prices_offer_since", "offer_id", "since", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("offers.id", ondelete="CASCADE"), nullable=False)
    )
    price: Decimal = Field(sa_type=sa.Numeric(10, 2))
    currency: str = Field(max_length=3)
    since: datetime = Field(sa_column_kwargs={"nullable": False}, sa_type=UTCDateTime)


class AvailabilityChange(SQLModel, table=True):
    """What a write changed in a title's availability in a region, written in the
    write's transaction. `at` is when the change takes effect: the write's time, or
    the offer's start (NEW) or end (LEAVING, GONE) when the write sets them ahead."""

    __tablename__ = "availability_changes"
    __table_args__ = (
        sa.CheckConstraint("length(region) = 2 AND region = upper(region)", name="region_alpha2"),
        sa.CheckConstraint(
            "(previous_price IS NULL) = (previous_currency IS NULL)", name="previous_price_pair"
        ),
        sa.Index("ix_availability_changes_region_at", "region", "at", "title_id", "id"),
        sa.Index("ix_availability_changes_offer_id", "offer_id", "at"),
        sa.Index("ix_availability_changes_title_id", "title_id"),
        # Ids are never reused (SQLite reuses a deleted highest rowid otherwise): live
        # delivery reads the rows after the last id it saw.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )
    offer_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("offers.id", ondelete="CASCADE"), nullable=False)
    )
    region: str = Field(max_length=2)
    kind: AvailabilityChangeKind = Field(
        sa_column=enum_column(AvailabilityChangeKind, "availability_change_kind", nullable=False)
    )
    at: datetime = Field(sa_column_kwargs={"nullable": False}, sa_type=UTCDateTime)
    # PRICE_DROP: the price before the drop.
    previous_price: Decimal | None = Field(default=None, sa_type=sa.Numeric(10, 2))
    previous_currency: str | None = Field(default=None, max_length=3)
