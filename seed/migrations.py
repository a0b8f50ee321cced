"""Bring a database to the latest Alembic revision (the only way its schema changes)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def upgrade(database_url: str) -> None:
    """Must be called outside a running event loop (Alembic's env runs its own)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")
