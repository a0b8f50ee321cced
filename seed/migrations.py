"""Bring a database to the latest Alembic revision (the only way its schema changes)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Objects only the migrations know: the full-text search machinery of each engine.
MIGRATION_ONLY = {"search_vector", "ix_titles_search_vector", "title_search"}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter for comparing the models with a migrated database."""
    return name not in MIGRATION_ONLY and not (name or "").startswith("title_search_")


def upgrade(database_url: str) -> None:
    """Must be called outside a running event loop (Alembic's env runs its own)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")
