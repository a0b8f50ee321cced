"""The one place that reads configuration (environment variables or `.env`)."""

from functools import cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./reelgraph.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    graphiql: bool = Field(default=True, description="serve the GraphiQL playground")
    max_query_depth: int = Field(default=12, ge=2, le=50)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("database_url")
    @classmethod
    def async_driver_only(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "DATABASE_URL must use an async driver: sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value


@cache
def get_settings() -> Settings:
    return Settings()
