"""availability_changes: notify listeners of each inserted change (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

An AFTER INSERT trigger sends `pg_notify('availability_changes', '{"id": ..,
"title_id": .., "region": ..}')` for each row; NOTIFY is delivered when (and only
if) the inserting transaction commits. api/live/postgres.py listens. SQLite has no
notifications: api/live/sqlite.py polls the table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS availability_changes_notify ON availability_changes")
        op.execute("DROP FUNCTION IF EXISTS notify_availability_change()")
