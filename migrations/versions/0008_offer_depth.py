"""where to watch in depth: offer identity, languages, deep links, prices, changes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

- An offer is identified by title, season (NULL: the whole title), provider,
  region, monetization and quality: a unique expression index replaces the old
  UNIQUE (title, provider, region, monetization). SQLite can drop no constraint,
  so `offers` is rebuilt there (it has no triggers or referrers yet).
- offers gain last_checked_at (existing rows: the migration's time) and removed_at.
- offer_languages, offer_links (the WEB link is https and is the offer's url;
  other platforms may use app schemes), offer_prices (append-only history) and
  availability_changes (the log `availabilityChanges` reads); regions lists every
  ISO 3166-1 alpha-2 code.
- Existing offers keep everything: their url becomes their WEB link, their price
  their first price point, their title's languages their languages; offers that
  will start later are recorded as COMING (and NEW at their start), those with an
  end ahead as LEAVING and GONE at it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from api.core.iso_codes import REGIONS
from models.columns import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_UNIQUE = "uq_offers_title_id_provider_id_region_monetization"
OLD_COLUMNS = (
    "id, title_id, provider_id, region, monetization, quality, price, currency, url,"
    " available_from, available_until, season_id"
)
PLATFORMS = ("WEB", "IOS", "ANDROID", "ANDROID_TV", "TVOS", "ROKU", "FIRE_TV")
KINDS = ("NEW", "COMING", "LEAVING", "GONE", "PRICE_DROP")


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def _identity_index() -> None:
    column = sa.column
    op.create_index(
        "uq_offers_identity",
        "offers",
        [
            column("title_id"),
            sa.func.coalesce(column("season_id"), 0),
            column("provider_id"),
            column("region"),
            column("monetization"),
            sa.func.coalesce(column("quality"), ""),
        ],
        unique=True,
    )


def _offers_table(name: str, *, new: bool) -> None:
    """`offers` (on SQLite) as 0001 and 0006 made it, or (new) as this revision makes it."""
    identity: list[sa.schema.SchemaItem] = []
    if new:
        identity += [
            sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        ]
    else:
        identity.append(
            sa.UniqueConstraint(
                "title_id", "provider_id", "region", "monetization", name=OLD_UNIQUE
            )
        )
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column(
            "monetization",
            _enum("SUBSCRIPTION", "FREE", "ADS", "RENT", "BUY", name="monetization"),
            nullable=False,
        ),
        sa.Column("quality", _enum("SD", "HD", "UHD", name="video_quality"), nullable=True),
        sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("available_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("available_until", sa.DateTime(timezone=True), nullable=True),
        *identity,
        sa.CheckConstraint(
            "(monetization IN ('RENT', 'BUY')) = (price IS NOT NULL AND currency IS NOT NULL)"
            " AND (price IS NULL) = (currency IS NULL)",
            name="ck_offers_price_iff_transactional",
        ),
        sa.CheckConstraint("url LIKE 'https://%'", name="ck_offers_url_https"),
        sa.CheckConstraint(
            "available_until IS NULL OR available_from IS NULL OR available_until > available_from",
            name="ck_offers_window_ordered",
        ),
        sa.CheckConstraint(
            "currency IS NULL OR (length(currency) = 3 AND currency = upper(currency))",
            name="ck_offers_currency_alpha3",
        ),
        sa.CheckConstraint(
            "length(region) = 2 AND region = upper(region)", name="ck_offers_region_alpha2"
        ),
        sa.CheckConstraint("price >= 0", name="ck_offers_price_non_negative"),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name="fk_offers_provider_id_providers",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name="fk_offers_title_id_titles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_offers"),
    )
    # Inline, as 0006 added it: SQLite drops a column only with its inline reference.
    op.execute(
        f"ALTER TABLE {name} ADD COLUMN season_id INTEGER CONSTRAINT fk_offers_season_id_seasons"
        " REFERENCES seasons (id) ON DELETE CASCADE"
    )


def _rebuild_offers_on_sqlite(*, new: bool, now: datetime) -> None:
    _offers_table("offers_rebuilt", new=new)
    columns = OLD_COLUMNS + (", last_checked_at, removed_at" if new else "")
    values = OLD_COLUMNS + (", :now, NULL" if new else "")
    copy = sa.text(f"INSERT INTO offers_rebuilt ({columns}) SELECT {values} FROM offers")
    if new:
        copy = copy.bindparams(sa.bindparam("now", now, type_=UTCDateTime()))
    op.get_bind().execute(copy)
    op.execute("DROP TABLE offers")
    op.execute("ALTER TABLE offers_rebuilt RENAME TO offers")
    op.create_index("ix_offers_region_title", "offers", ["region", "monetization", "title_id"])
    op.create_index("ix_offers_provider_id", "offers", ["provider_id"])
    op.create_index("ix_offers_season_id", "offers", ["season_id"])


def upgrade() -> None:
    now = datetime.now(UTC)
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"

    regions = op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.CheckConstraint(
            "length(code) = 2 AND code = upper(code)", name="ck_regions_code_alpha2"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_regions"),
        sa.UniqueConstraint("code", name="uq_regions_code"),
    )
    op.bulk_insert(
        regions, [{"id": i, "code": code} for i, code in enumerate(sorted(REGIONS), start=1)]
    )

    if postgresql:
        op.execute("ALTER TABLE offers ADD COLUMN last_checked_at TIMESTAMP WITH TIME ZONE")
        op.execute("ALTER TABLE offers ADD COLUMN removed_at TIMESTAMP WITH TIME ZONE")
        connection.execute(
            sa.text("UPDATE offers SET last_checked_at = :now").bindparams(
                sa.bindparam("now", now, type_=UTCDateTime())
            )
        )
        op.execute("ALTER TABLE offers ALTER COLUMN last_checked_at SET NOT NULL")
        op.drop_constraint(OLD_UNIQUE, "offers", type_="unique")
    else:
        _rebuild_offers_on_sqlite(new=True, now=now)
    _identity_index()

    op.create_table(
        "offer_languages",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("use", _enum("AUDIO", "SUBTITLE", name="offer_language_use"), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(language) BETWEEN 2 AND 35", name="ck_offer_languages_language_length"
        ),
        sa.CheckConstraint("position >= 0", name="ck_offer_languages_position_non_negative"),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name="fk_offer_languages_offer_id_offers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("offer_id", "use", "language", name="pk_offer_languages"),
    )
    op.create_table(
        "offer_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("platform", _enum(*PLATFORMS, name="platform"), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.CheckConstraint(
            "CASE WHEN platform = 'WEB' THEN url LIKE 'https://%'"
            " ELSE url LIKE '%_://_%' AND url NOT LIKE 'javascript:%'"
            " AND url NOT LIKE 'data:%' END",
            name="ck_offer_links_url_scheme",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name="fk_offer_links_offer_id_offers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_offer_links"),
        sa.UniqueConstraint("offer_id", "platform", name="uq_offer_links_offer_id_platform"),
    )
    op.create_table(
        "offer_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price >= 0", name="ck_offer_prices_price_non_negative"),
        sa.CheckConstraint(
            "length(currency) = 3 AND currency = upper(currency)",
            name="ck_offer_prices_currency_alpha3",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name="fk_offer_prices_offer_id_offers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_offer_prices"),
    )
    op.create_index("ix_offer_prices_offer_since", "offer_prices", ["offer_id", "since", "id"])
    op.create_table(
        "availability_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("kind", _enum(*KINDS, name="availability_change_kind"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_price", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("previous_currency", sa.String(length=3), nullable=True),
        sa.CheckConstraint(
            "length(region) = 2 AND region = upper(region)",
            name="ck_availability_changes_region_alpha2",
        ),
        sa.CheckConstraint(
            "(previous_price IS NULL) = (previous_currency IS NULL)",
            name="ck_availability_changes_previous_price_pair",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name="fk_availability_changes_title_id_titles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name="fk_availability_changes_offer_id_offers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_availability_changes"),
        sqlite_autoincrement=True,  # ids never reused: live delivery reads "id > last seen"
    )
    op.create_index(
        "ix_availability_changes_region_at",
        "availability_changes",
        ["region", "at", "title_id", "id"],
    )
    op.create_index("ix_availability_changes_offer_id", "availability_changes", ["offer_id", "at"])
    op.create_index("ix_availability_changes_title_id", "availability_changes", ["title_id"])

    moment = sa.bindparam("now", now, type_=UTCDateTime())
    for statement in (
        "INSERT INTO offer_links (offer_id, platform, url) SELECT id, 'WEB', url FROM offers",
        "INSERT INTO offer_prices (offer_id, price, currency, since)"
        " SELECT id, price, currency, :now FROM offers WHERE price IS NOT NULL",
        "INSERT INTO offer_languages (offer_id, use, language, position)"
        " SELECT offers.id, title_languages.use, title_languages.language,"
        " title_languages.position FROM offers"
        " JOIN title_languages ON title_languages.title_id = offers.title_id",
        *(
            "INSERT INTO availability_changes (title_id, offer_id, region, kind, at)"
            f" SELECT title_id, id, region, '{kind}', {at} FROM offers WHERE {column} > :now"
            " ORDER BY id"
            for kind, at, column in (
                ("COMING", ":now", "available_from"),
                ("NEW", "available_from", "available_from"),
                ("LEAVING", "available_until", "available_until"),
                ("GONE", "available_until", "available_until"),
            )
        ),
    ):
        clause = sa.text(statement)
        if ":now" in statement:
            clause = clause.bindparams(moment)
        connection.execute(clause)


def downgrade() -> None:
    connection = op.get_bind()
    for table in ("availability_changes", "offer_prices", "offer_links", "offer_languages"):
        op.drop_table(table)
    op.drop_index("uq_offers_identity", table_name="offers")
    # The old identity holds one offer per (title, provider, region, monetization):
    # removed offers go, and of several seasons or qualities the first stays.
    connection.execute(
        sa.text(
            "DELETE FROM offers WHERE removed_at IS NOT NULL OR id NOT IN (SELECT min(id)"
            " FROM offers GROUP BY title_id, provider_id, region, monetization)"
        )
    )
    if connection.dialect.name == "postgresql":
        op.drop_column("offers", "removed_at")
        op.drop_column("offers", "last_checked_at")
        op.create_unique_constraint(
            OLD_UNIQUE, "offers", ["title_id", "provider_id", "region", "monetization"]
        )
    else:
        _rebuild_offers_on_sqlite(new=False, now=datetime.now(UTC))
    op.drop_table("regions")
