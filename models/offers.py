"""Streaming providers and their offers of titles per region."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, enum_column


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


class Provider(SQLModel, table=True):
    __tablename__ = "providers"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=100)


class Offer(SQLModel, table=True):
    __tablename__ = "offers"
    __table_args__ = (
        sa.UniqueConstraint("title_id", "provider_id", "region", "monetization"),
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
    # An offer of one season; None: of the whole title. Last, as migration 0006 added it.
    season_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("seasons.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
