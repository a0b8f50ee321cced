"""API keys: created with a CLI (`python -m api.keys`), shown once, stored as a hash."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from models import ApiKey, ApiKeyRole
from models.columns import utc_now

KEY_PREFIX = "rg_"


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the only time the secret exists outside the client


def bearer_secret(authorization: str | None) -> str | None:
    """The key an `Authorization: Bearer <key>` header carries; None for any other."""
    if not authorization:
        return None
    scheme, _, secret = authorization.partition(" ")
    return (secret.strip() or None) if scheme.lower() == "bearer" else None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(session: AsyncSession, role: ApiKeyRole, name: str) -> IssuedKey:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=role, key_hash=hash_secret(secret), prefix=secret[:11])
    session.add(key)
    await session.flush()
    return IssuedKey(key, secret)


async def find_active_key(session: AsyncSession, secret: str) -> ApiKey | None:
    stmt = select(ApiKey).where(
        col(ApiKey.key_hash) == hash_secret(secret), col(ApiKey.revoked_at).is_(None)
    )
    return await session.scalar(stmt)


async def is_active_hash(engine: AsyncEngine, key_hash: str) -> bool:
    """Whether an active key has this hash (the rate limiter asks, before any session)."""
    stmt = select(col(ApiKey.id)).where(
        col(ApiKey.key_hash) == key_hash, col(ApiKey.revoked_at).is_(None)
    )
    async with AsyncSession(engine) as session:
        return await session.scalar(stmt) is not None


async def revoke_key(session: AsyncSession, prefix: str) -> int:
    """Revokes the active keys starting with `prefix`; returns how many."""
    stmt = (
        update(ApiKey)
        .where(col(ApiKey.prefix) == prefix, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=utc_now())
    )
    result = await session.execute(stmt)
    assert isinstance(result, CursorResult)
    return result.rowcount


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(col(ApiKey.id))))
