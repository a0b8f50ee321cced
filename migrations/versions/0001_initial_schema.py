"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Full-text search differs per engine: an FTS5 table kept in step by triggers on
SQLite, a generated tsvector column with a GIN index on PostgreSQL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Name weighs more than synopsis in the ranking (weight A vs B).
POSTGRESQL_SEARCH = (
    """ALTER TABLE titles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A')
        || setweight(to_tsvector('english', coalesce(synopsis, '')), 'B')
    ) STORED""",
    "CREATE INDEX ix_titles_search_vector ON titles USING gin (search_vector)",
)

SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE title_search USING fts5(
        name, synopsis, content='titles', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER title_search_insert AFTER INSERT ON titles BEGIN
        INSERT INTO title_search(rowid, name, synopsis) VALUES (new.id, new.name, new.synopsis);
    END""",
    """CREATE TRIGGER title_search_delete AFTER DELETE ON titles BEGIN
        INSERT INTO title_search(title_search, rowid, name, synopsis)
        VALUES ('delete', old.id, old.name, old.synopsis);
    END""",
    """CREATE TRIGGER title_search_update AFTER UPDATE OF name, synopsis ON titles BEGIN
        INSERT INTO title_search(title_search, rowid, name, synopsis)
        VALUES ('delete', old.id, old.name, old.synopsis);
        INSERT INTO title_search(rowid, name, synopsis) VALUES (new.id, new.name, new.synopsis);
    END""",
)


def upgrade() -> None:
    op.create_table(
        "genres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genres")),
        sa.UniqueConstraint("slug", name=op.f("uq_genres_slug")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 200", name=op.f("ck_people_name_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("slug", name=op.f("uq_people_slug")),
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("slug", name=op.f("uq_providers_slug")),
    )
    op.create_table(
        "titles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "MOVIE",
                "SERIES",
                name="title_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("content_rating", sa.String(length=16), nullable=True),
        sa.Column("runtime_minutes", sa.Integer(), nullable=True),
        sa.Column("original_language", sa.String(length=35), nullable=True),
        sa.Column("synopsis", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 300", name=op.f("ck_titles_name_length")),
        sa.CheckConstraint("length(slug) BETWEEN 1 AND 120", name=op.f("ck_titles_slug_length")),
        sa.CheckConstraint("runtime_minutes > 0", name=op.f("ck_titles_runtime_positive")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_titles_version_positive")),
        sa.CheckConstraint("year BETWEEN 1870 AND 2100", name=op.f("ck_titles_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_titles")),
        sa.UniqueConstraint("slug", name=op.f("uq_titles_slug")),
    )
    op.create_index("ix_titles_name", "titles", ["name", "id"], unique=False)
    op.create_index("ix_titles_released", "titles", ["year", "release_date", "id"], unique=False)

    op.create_table(
        "credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "DIRECTOR",
                "WRITER",
                "PRODUCER",
                "CAST",
                "SELF",
                "NARRATOR",
                "COMPOSER",
                "CINEMATOGRAPHER",
                "EDITOR",
                name="credit_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("character", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_credits_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_credits_person_id_people"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name=op.f("fk_credits_title_id_titles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credits")),
        sa.UniqueConstraint("title_id", "position", name=op.f("uq_credits_title_id_position")),
    )
    op.create_index(op.f("ix_credits_person_id"), "credits", ["person_id"], unique=False)

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column(
            "monetization",
            sa.Enum(
                "SUBSCRIPTION",
                "FREE",
                "ADS",
                "RENT",
                "BUY",
                name="monetization",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "quality",
            sa.Enum(
                "SD",
                "HD",
                "UHD",
                name="video_quality",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("available_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("available_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(monetization IN ('RENT', 'BUY')) = (price IS NOT NULL AND currency IS NOT NULL)"
            " AND (price IS NULL) = (currency IS NULL)",
            name=op.f("ck_offers_price_iff_transactional"),
        ),
        sa.CheckConstraint("url LIKE 'https://%'", name=op.f("ck_offers_url_https")),
        sa.CheckConstraint(
            "available_until IS NULL OR available_from IS NULL OR available_until > available_from",
            name=op.f("ck_offers_window_ordered"),
        ),
        sa.CheckConstraint(
            "currency IS NULL OR (length(currency) = 3 AND currency = upper(currency))",
            name=op.f("ck_offers_currency_alpha3"),
        ),
        sa.CheckConstraint(
            "length(region) = 2 AND region = upper(region)", name=op.f("ck_offers_region_alpha2")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_offers_price_non_negative")),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_offers_provider_id_providers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name=op.f("fk_offers_title_id_titles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint(
            "title_id",
            "provider_id",
            "region",
            "monetization",
            name=op.f("uq_offers_title_id_provider_id_region_monetization"),
        ),
    )
    op.create_index(op.f("ix_offers_provider_id"), "offers", ["provider_id"], unique=False)
    op.create_index(
        "ix_offers_region_title", "offers", ["region", "monetization", "title_id"], unique=False
    )

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("publication", sa.String(length=200), nullable=True),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.Date(), nullable=True),
        sa.CheckConstraint("length(body) >= 1", name=op.f("ck_reviews_body_not_empty")),
        sa.CheckConstraint(
            "length(reviewer) BETWEEN 1 AND 200", name=op.f("ck_reviews_reviewer_length")
        ),
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 0 AND 5"
            " AND rating * 2 = CAST(rating * 2 AS INTEGER))",
            name=op.f("ck_reviews_rating_half_stars"),
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name=op.f("fk_reviews_title_id_titles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index(
        "ix_reviews_title_published", "reviews", ["title_id", "published_at", "id"], unique=False
    )

    op.create_table(
        "title_genres",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("genre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["genre_id"],
            ["genres.id"],
            name=op.f("fk_title_genres_genre_id_genres"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_title_genres_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("title_id", "genre_id", name=op.f("pk_title_genres")),
    )
    op.create_index(op.f("ix_title_genres_genre_id"), "title_genres", ["genre_id"], unique=False)

    op.create_table(
        "title_languages",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column(
            "use",
            sa.Enum(
                "AUDIO",
                "SUBTITLE",
                name="language_use",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(language) BETWEEN 2 AND 35", name=op.f("ck_title_languages_language_length")
        ),
        sa.CheckConstraint("position >= 0", name=op.f("ck_title_languages_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_title_languages_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("title_id", "use", "language", name=op.f("pk_title_languages")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_SEARCH if postgresql else SQLITE_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("title_search_insert", "title_search_delete", "title_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS title_search")
    op.drop_table("title_languages")
    op.drop_index(op.f("ix_title_genres_genre_id"), table_name="title_genres")

    op.drop_table("title_genres")
    op.drop_index("ix_reviews_title_published", table_name="reviews")

    op.drop_table("reviews")
    op.drop_index("ix_offers_region_title", table_name="offers")
    op.drop_index(op.f("ix_offers_provider_id"), table_name="offers")

    op.drop_table("offers")
    op.drop_index(op.f("ix_credits_person_id"), table_name="credits")

    op.drop_table("credits")
    op.drop_index("ix_titles_released", table_name="titles")
    op.drop_index("ix_titles_name", table_name="titles")

    op.drop_table("titles")
    op.drop_table("providers")
    op.drop_table("people")
    op.drop_table("genres")
