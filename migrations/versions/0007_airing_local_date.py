"""airings: the channel-local date each airing starts on

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

`Channel.schedule(day)` lists the airings starting on that day in the channel's
own time zone. SQLite has no time zones, so the date is computed in Python
(zoneinfo) when an airing is written and stored beside `starts_at`; existing
airings are filled here.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("airings", sa.Column("local_date", sa.Date(), nullable=True))
    connection = op.get_bind()
    airings = sa.table(
        "airings",
        sa.column("id", sa.Integer),
        sa.column("local_date", sa.Date),
    )
    rows = connection.execute(
        sa.text(
            "SELECT airings.id, airings.starts_at, channels.time_zone"
            " FROM airings JOIN channels ON channels.id = airings.channel_id"
        )
    ).all()
    updates = [
        {"airing": airing_id, "day": _local_date(starts_at, zone)}
        for airing_id, starts_at, zone in rows
    ]
    if updates:
        connection.execute(
            airings.update()
            .where(airings.c.id == sa.bindparam("airing"))
            .values(local_date=sa.bindparam("day")),
            updates,
        )
    op.create_index("ix_airings_channel_local_date", "airings", ["channel_id", "local_date"])


def _local_date(starts_at: datetime | str, zone: str) -> object:
    if isinstance(starts_at, str):  # SQLite returns the stored text
        starts_at = datetime.fromisoformat(starts_at)
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=UTC)
    return starts_at.astimezone(ZoneInfo(zone)).date()


def downgrade() -> None:
    op.drop_index("ix_airings_channel_local_date", table_name="airings")
    op.drop_column("airings", "local_date")
