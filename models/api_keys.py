"""API keys for the write path: stored only as a hash, revocable."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime, enum_column, utc_now


class ApiKeyRole(enum.Enum):
    EDITOR = "EDITOR"  # titles, credits, offers
    CRITIC = "CRITIC"  # their own reviews


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        sa.CheckConstraint("length(name) BETWEEN 1 AND 200", name="name_length"),
        sa.CheckConstraint("length(key_hash) = 64", name="key_hash_sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: ApiKeyRole = Field(sa_column=enum_column(ApiKeyRole, "api_key_role", nullable=False))
    # SHA-256 of the secret: keys are long random strings, so a slow hash adds nothing.
    key_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column_kwargs={"nullable": False}, sa_type=UTCDateTime
    )
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
