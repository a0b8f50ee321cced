"""People and their credits on titles."""

import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column


class CreditRole(enum.Enum):
    DIRECTOR = "DIRECTOR"
    WRITER = "WRITER"
    PRODUCER = "PRODUCER"
    CAST = "CAST"
    SELF = "SELF"
    NARRATOR = "NARRATOR"
    COMPOSER = "COMPOSER"
    CINEMATOGRAPHER = "CINEMATOGRAPHER"
    EDITOR = "EDITOR"


class Person(SQLModel, table=True):
    __tablename__ = "people"
    __table_args__ = (
        sa.CheckConstraint("length(name) BETWEEN 1 AND 200", name="name_length"),
        sa.CheckConstraint("birth_year BETWEEN 1 AND 2100", name="birth_year_range"),
        sa.CheckConstraint("death_year BETWEEN 1 AND 2100", name="death_year_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True)
    name: str = Field(max_length=200)
    birth_year: int | None = None
    death_year: int | None = None


class Credit(SQLModel, table=True):
    """One person in one role on a title; `position` is the billing order."""

    __tablename__ = "credits"
    __table_args__ = (
        sa.UniqueConstraint("title_id", "position"),
        sa.CheckConstraint("position >= 0", name="position_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("people.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    role: CreditRole = Field(sa_column=enum_column(CreditRole, "credit_role", nullable=False))
    character: str | None = Field(default=None, max_length=200)
    position: int
