"""Who is calling: the API key in `Authorization: Bearer <key>`, checked per write."""

from api.core.context import Info
from api.core.errors import ApiError, ErrorCode
from api.keys import bearer_secret, find_active_key
from models import ApiKey, ApiKeyRole


class Unauthenticated(ApiError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(ApiError):
    code = ErrorCode.FORBIDDEN


async def require_role(info: Info, role: ApiKeyRole) -> ApiKey:
    """The caller's active key, which must have `role`; reads never call this."""
    request = info.context.request
    secret = bearer_secret(request.headers.get("authorization") if request else None)
    if secret is None:
        raise Unauthenticated("This operation needs an API key: `Authorization: Bearer <key>`.")
    async with info.context.sessions() as session:
        key = await find_active_key(session, secret)
    if key is None:
        raise Unauthenticated("The API key is unknown or revoked.")
    if key.role is not role:
        raise Forbidden(
            f"A {key.role.value.lower()} key cannot do this; it needs a {role.value.lower()} key."
        )
    return key
