"""released order indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Expression indexes in exactly the order of the RELEASED_DESC and RELEASED_ASC
title lists, NULLs last (`year IS NULL, year, release_date IS NULL, release_date,
id`), so a page reads the head of an index instead of sorting every title. One per
direction: the `IS NULL` keys and `id` ascend in both, so neither index read
backwards gives the other order. ix_titles_released stays (keyset `after`
predicates and year filters use it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    year, release_date, id_ = sa.column("year"), sa.column("release_date"), sa.column("id")
    op.create_index(
        "ix_titles_released_desc",
        "titles",
        [year.is_(None), year.desc(), release_date.is_(None), release_date.desc(), id_],
        unique=False,
    )
    op.create_index(
        "ix_titles_released_asc",
        "titles",
        [year.is_(None), year, release_date.is_(None), release_date, id_],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_titles_released_asc", table_name="titles")
    op.drop_index("ix_titles_released_desc", table_name="titles")
