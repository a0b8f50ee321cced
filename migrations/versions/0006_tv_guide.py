"""tv guide: series structure, channels and airings, images, external ids

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

- seasons, episodes and episode_credits (guest credits, apart from the title's own);
- channels (IANA time zone, checked by the application with zoneinfo) and airings.
  Two airings on one channel never overlap: an exclusion constraint over
  `tstzrange(starts_at, ends_at)` on PostgreSQL (btree_gist gives `=` on the
  channel), triggers on SQLite;
- images of one owner each, with renditions; title/episode/person external ids;
- titles gain original_name, status, end_year and network_id; people birth_year and
  death_year; offers season_id.

Columns are added with plain ALTER TABLE statements both engines accept, their
constraints inline: Alembic's batch mode would rebuild `titles` on SQLite and lose
its search triggers and expression indexes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADDED_COLUMNS = {
    "titles": (
        "original_name VARCHAR(300)",
        "status VARCHAR(16) CONSTRAINT ck_titles_series_status"
        " CHECK (status IN ('RETURNING', 'ENDED', 'CANCELED', 'IN_PRODUCTION'))"
        " CONSTRAINT ck_titles_status_of_series CHECK (status IS NULL OR kind = 'SERIES')",
        "end_year INTEGER CONSTRAINT ck_titles_end_year_range"
        " CHECK (end_year BETWEEN 1870 AND 2100)",
        "network_id INTEGER CONSTRAINT fk_titles_network_id_channels"
        " REFERENCES channels (id) ON DELETE SET NULL",
    ),
    "people": (
        "birth_year INTEGER CONSTRAINT ck_people_birth_year_range"
        " CHECK (birth_year BETWEEN 1 AND 2100)",
        "death_year INTEGER CONSTRAINT ck_people_death_year_range"
        " CHECK (death_year BETWEEN 1 AND 2100)",
    ),
    "offers": (
        "season_id INTEGER CONSTRAINT fk_offers_season_id_seasons"
        " REFERENCES seasons (id) ON DELETE CASCADE",
    ),
}
ADDED_INDEXES = (
    ("ix_titles_network_id", "titles", "network_id"),
    ("ix_offers_season_id", "offers", "season_id"),
)

SQLITE_NO_OVERLAP = tuple(
    f"""CREATE TRIGGER airings_no_overlap_{event} BEFORE {event} ON airings
    WHEN EXISTS (
        SELECT 1 FROM airings AS other
        WHERE other.channel_id = new.channel_id AND other.id IS NOT new.id
          AND other.starts_at < new.ends_at AND new.starts_at < other.ends_at
    )
    BEGIN
        SELECT RAISE(ABORT, 'airings on one channel must not overlap');
    END"""
    for event in ("insert", "update")
)

CREDIT_ROLES = (
    "DIRECTOR",
    "WRITER",
    "PRODUCER",
    "CAST",
    "SELF",
    "NARRATOR",
    "COMPOSER",
    "CINEMATOGRAPHER",
    "EDITOR",
)
SOURCES = ("IMDB", "TMDB", "TVMAZE", "WIKIDATA")
NUMBER = (
    "^[1-9][0-9]{0,8}$",
    "value GLOB '[1-9]*' AND value NOT GLOB '*[^0-9]*' AND length(value) <= 9",
)
WIKIDATA = ("^Q[1-9][0-9]*$", "value GLOB 'Q[1-9]*' AND substr(value, 2) NOT GLOB '*[^0-9]*'")


def _imdb(prefix: str) -> tuple[str, str]:
    return (
        f"^{prefix}[0-9]{{7,}}$",
        f"value GLOB '{prefix}[0-9]*' AND length(value) >= 9"
        " AND substr(value, 3) NOT GLOB '*[^0-9]*'",
    )


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def _value_shape(imdb_prefix: str, table: str, postgresql: bool) -> sa.CheckConstraint:
    shapes = dict(zip(SOURCES, (_imdb(imdb_prefix), NUMBER, NUMBER, WIKIDATA), strict=True))
    if postgresql:
        cases = " ".join(f"WHEN '{s}' THEN value ~ '{shape[0]}'" for s, shape in shapes.items())
    else:
        cases = " ".join(f"WHEN '{s}' THEN ({shape[1]})" for s, shape in shapes.items())
    return sa.CheckConstraint(f"CASE source {cases} END", name=f"ck_{table}_value_shape")


def _external_ids(table: str, owner: str, owner_table: str, imdb_prefix: str) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        table,
        sa.Column("source", _enum(*SOURCES, name="external_source"), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column(owner, sa.Integer(), nullable=False),
        _value_shape(imdb_prefix, table, postgresql),
        sa.ForeignKeyConstraint(
            [owner],
            [f"{owner_table}.id"],
            name=f"fk_{table}_{owner}_{owner_table}",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source", "value", name=f"pk_{table}"),
        sa.UniqueConstraint(owner, "source", name=f"uq_{table}_{owner}_source"),
    )


IMAGE_OWNERS = {
    "title_id": "titles",
    "season_id": "seasons",
    "episode_id": "episodes",
    "person_id": "people",
    "provider_id": "providers",
    "channel_id": "channels",
}
RELATIVE_PATH = "length(path) BETWEEN 1 AND 500 AND path NOT LIKE '/%' AND path NOT LIKE '%://%'"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 100", name="ck_channels_name_length"),
        sa.CheckConstraint(
            "length(region) = 2 AND region = upper(region)", name="ck_channels_region_alpha2"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_channels"),
        sa.UniqueConstraint("slug", name="uq_channels_slug"),
    )
    op.create_index("ix_channels_region_name", "channels", ["region", "name"])

    op.create_table(
        "seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("synopsis", sa.Text(), nullable=True),
        sa.Column("premiere_date", sa.Date(), nullable=True),
        sa.CheckConstraint("number >= 0", name="ck_seasons_number_non_negative"),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name="fk_seasons_title_id_titles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_seasons"),
        sa.UniqueConstraint("title_id", "number", name="uq_seasons_title_id_number"),
    )
    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("synopsis", sa.Text(), nullable=True),
        sa.Column("air_date", sa.Date(), nullable=True),
        sa.Column("runtime_minutes", sa.Integer(), nullable=True),
        sa.CheckConstraint("number >= 0", name="ck_episodes_number_non_negative"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 300", name="ck_episodes_name_length"),
        sa.CheckConstraint("runtime_minutes > 0", name="ck_episodes_runtime_positive"),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name="fk_episodes_title_id_titles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["season_id"], ["seasons.id"], name="fk_episodes_season_id_seasons", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_episodes"),
        sa.UniqueConstraint("season_id", "number", name="uq_episodes_season_id_number"),
    )
    op.create_index("ix_episodes_title_air_date", "episodes", ["title_id", "air_date"])

    op.create_table(
        "episode_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum(*CREDIT_ROLES, name="episode_credit_role"), nullable=False),
        sa.Column("character", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("position >= 0", name="ck_episode_credits_position_non_negative"),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name="fk_episode_credits_episode_id_episodes",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_episode_credits_person_id_people",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_episode_credits"),
        sa.UniqueConstraint(
            "episode_id", "position", name="uq_episode_credits_episode_id_position"
        ),
    )
    op.create_index("ix_episode_credits_person_id", "episode_credits", ["person_id"])

    for table, columns in ADDED_COLUMNS.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    for name, table, column in ADDED_INDEXES:
        op.create_index(name, table, [column])

    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    no_overlap: list[sa.schema.SchemaItem] = []
    if postgresql:
        from sqlalchemy.dialects.postgresql import ExcludeConstraint

        no_overlap.append(
            ExcludeConstraint(
                ("channel_id", "="),
                (sa.text("tstzrange(starts_at, ends_at)"), "&&"),
                name="ex_airings_no_overlap",
                using="gist",
            )
        )
    op.create_table(
        "airings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_live", sa.Boolean(), nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("is_premiere", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ck_airings_ends_after_start"),
        *no_overlap,
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name="fk_airings_channel_id_channels",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"], ["titles.id"], name="fk_airings_title_id_titles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name="fk_airings_episode_id_episodes",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_airings"),
    )
    op.create_index("ix_airings_channel_starts", "airings", ["channel_id", "starts_at"])
    op.create_index("ix_airings_title_starts", "airings", ["title_id", "starts_at"])
    op.create_index("ix_airings_episode_id", "airings", ["episode_id"])
    if not postgresql:
        for statement in SQLITE_NO_OVERLAP:
            op.execute(statement)

    _external_ids("title_external_ids", "title_id", "titles", "tt")
    _external_ids("episode_external_ids", "episode_id", "episodes", "tt")
    _external_ids("person_external_ids", "person_id", "people", "nm")

    one_owner = " + ".join(
        f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)" for column in IMAGE_OWNERS
    )
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            _enum("POSTER", "BACKDROP", "STILL", "LOGO", "PHOTO", name="image_kind"),
            nullable=False,
        ),
        *(sa.Column(column, sa.Integer(), nullable=True) for column in IMAGE_OWNERS),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"{one_owner} = 1", name="ck_images_one_owner"),
        sa.CheckConstraint("width > 0 AND height > 0", name="ck_images_size_positive"),
        sa.CheckConstraint(RELATIVE_PATH, name="ck_images_path_relative"),
        sa.CheckConstraint("position >= 0", name="ck_images_position_non_negative"),
        *(
            sa.ForeignKeyConstraint(
                [column], [f"{table}.id"], name=f"fk_images_{column}_{table}", ondelete="CASCADE"
            )
            for column, table in IMAGE_OWNERS.items()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_images"),
        sa.UniqueConstraint("path", name="uq_images_path"),
    )
    for column in IMAGE_OWNERS:
        op.create_index(f"ix_images_{column}", "images", [column])
    op.create_table(
        "image_renditions",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.CheckConstraint("width > 0 AND height > 0", name="ck_image_renditions_size_positive"),
        sa.CheckConstraint(RELATIVE_PATH, name="ck_image_renditions_path_relative"),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name="fk_image_renditions_image_id_images",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("image_id", "width", name="pk_image_renditions"),
    )


def downgrade() -> None:
    op.drop_table("image_renditions")
    op.drop_table("images")
    for table in ("person_external_ids", "episode_external_ids", "title_external_ids"):
        op.drop_table(table)
    op.drop_table("airings")  # its SQLite triggers go with it
    for name, table, _column in ADDED_INDEXES:
        op.drop_index(name, table_name=table)
    for table, columns in ADDED_COLUMNS.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}")
    op.drop_table("episode_credits")
    op.drop_table("episodes")
    op.drop_table("seasons")
    op.drop_table("channels")
