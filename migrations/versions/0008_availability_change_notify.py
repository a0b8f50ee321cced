"""availability_changes: notify listeners of each inserted change (PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

An AFTER INSERT trigger sends `pg_notify('availability_changes', '{"id": ..,
"title_id": .., "region": ..}')` for each row; NOTIFY is delivered when (and only
if) the inserting transaction commits. api/live/postgres.py listens. SQLite has no
notifications: api/live/sqlite.py polls the table.

The table itself belongs to the change log: it is created here only when missing,
with the columns live delivery routes by (ids never reused on SQLite either).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTIFY_FUNCTION = """
CREATE FUNCTION notify_availability_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('availability_changes', json_build_object(
        'id', NEW.id, 'title_id', NEW.title_id, 'region', NEW.region)::text);
    RETURN NULL;
END
$$
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER availability_changes_notify AFTER INSERT ON availability_changes
FOR EACH ROW EXECUTE FUNCTION notify_availability_change()
"""


def upgrade() -> None:
    op.create_table(
        "availability_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name="fk_availability_changes_title_id_titles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_availability_changes"),
        if_not_exists=True,
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS availability_changes_notify ON availability_changes")
        op.execute("DROP FUNCTION IF EXISTS notify_availability_change()")
    op.drop_table("availability_changes", if_exists=True)
