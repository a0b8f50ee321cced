"""The change log of offers' availability: one row per change, in order.

Only the columns live delivery (api/live/) routes by; the change log adds the rest.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime


class AvailabilityChange(SQLModel, table=True):
    __tablename__ = "availability_changes"
    # Ids never reused, even after the newest rows are deleted: subscribers of every
    # process read the changes after the highest id they have seen.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False
        )
    )
    region: str = Field(max_length=2)
    kind: str = Field(max_length=16)
    at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
