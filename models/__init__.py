"""SQLModel tables: the only definition of the database schema (migrations mirror it)."""

from sqlmodel import SQLModel

from models.api_keys import ApiKey, ApiKeyRole
from models.availability import AvailabilityChange
from models.external_ids import (
    EpisodeExternalId,
    ExternalSource,
    Owner,
    PersonExternalId,
    TitleExternalId,
    check_external_id,
)
from models.images import Image, ImageKind, ImageRendition
from models.offers import STREAMING_MONETIZATIONS, Monetization, Offer, Provider, VideoQuality
from models.people import Credit, CreditRole, Person
from models.reviews import Review
from models.series import Episode, EpisodeCredit, Season
from models.titles import (
    Genre,
    LanguageUse,
    SeriesStatus,
    Title,
    TitleGenre,
    TitleKind,
    TitleLanguage,
)
from models.tv import Airing, Channel, local_date, valid_time_zone

metadata = SQLModel.metadata

__all__ = [
    "STREAMING_MONETIZATIONS",
    "Airing",
    "ApiKey",
    "ApiKeyRole",
    "AvailabilityChange",
    "Channel",
    "Credit",
    "CreditRole",
    "Episode",
    "EpisodeCredit",
    "EpisodeExternalId",
    "ExternalSource",
    "Genre",
    "Image",
    "ImageKind",
    "ImageRendition",
    "LanguageUse",
    "Monetization",
    "Offer",
    "Owner",
    "Person",
    "PersonExternalId",
    "Provider",
    "Review",
    "Season",
    "SeriesStatus",
    "Title",
    "TitleExternalId",
    "TitleGenre",
    "TitleKind",
    "TitleLanguage",
    "VideoQuality",
    "check_external_id",
    "local_date",
    "metadata",
    "valid_time_zone",
]
