"""api keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

API keys for editors and critics (stored as SHA-256 hashes), and the key that
wrote each review.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "EDITOR",
                "CRITIC",
                name="api_key_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(key_hash) = 64", name=op.f("ck_api_keys_key_hash_sha256")),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 200", name=op.f("ck_api_keys_name_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_key_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_reviews_author_key_id"), ["author_key_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_author_key_id_api_keys"),
            "api_keys",
            ["author_key_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_reviews_author_key_id_api_keys"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_reviews_author_key_id"))
        batch_op.drop_column("author_key_id")

    op.drop_table("api_keys")
