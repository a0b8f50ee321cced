"""SQLite: statistics without samples of index values (sqlite_stat4)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Connections now analyse under an analysis_limit (models/db.py), which takes no
samples; this drops the samples an earlier ANALYZE took. With them SQLite prepared
every statement whose plan had looked at a bound value again each time it was
bound. sqlite_stat1's estimates stay; nothing to undo (ANALYZE takes samples again
where no limit is set). PostgreSQL: nothing to do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sa.inspect(bind).has_table("sqlite_stat4"):
        op.execute("DELETE FROM sqlite_stat4")


def downgrade() -> None:
    pass
