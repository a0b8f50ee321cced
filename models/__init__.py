"""SQLModel tables: the only definition of the database schema (migrations mirror it)."""

from sqlmodel import SQLModel

from models.api_keys import ApiKey, ApiKeyRole
from models.offers import STREAMING_MONETIZATIONS, Monetization, Offer, Provider, VideoQuality
from models.people import Credit, CreditRole, Person
from models.reviews import Review
from models.titles import Genre, LanguageUse, Title, TitleGenre, TitleKind, TitleLanguage

metadata = SQLModel.metadata

__all__ = [
    "STREAMING_MONETIZATIONS",
    "ApiKey",
    "ApiKeyRole",
    "Credit",
    "CreditRole",
    "Genre",
    "LanguageUse",
    "Monetization",
    "Offer",
    "Person",
    "Provider",
    "Review",
    "Title",
    "TitleGenre",
    "TitleKind",
    "TitleLanguage",
    "VideoQuality",
    "metadata",
]
