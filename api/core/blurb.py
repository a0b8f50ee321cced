"""`Blurb`: a long text (synopsis, review body) with its truncations."""

import strawberry

from api.core.errors import BadUserInput
from api.core.text import TruncateAt, truncate

MAX_TRUNCATE_LENGTH = 10_000


def check_max_length(max_length: int) -> int:
    if not 1 <= max_length <= MAX_TRUNCATE_LENGTH:
        raise BadUserInput(
            f"`maxLength` must be between 1 and {MAX_TRUNCATE_LENGTH}, got {max_length}.",
            argument="maxLength",
        )
    return max_length


strawberry.enum(TruncateAt, description="Where a truncated text may be cut.")


@strawberry.type
class TruncatedText:
    text: str
    is_truncated: bool


@strawberry.type(description="A long text, in full or truncated for teasers.")
class Blurb:
    full: str

    # A plain `def`: an async resolver here costs ~40% on review-heavy pages.
    @strawberry.field(description="`maxLength` counts characters including the ellipsis.")
    def truncated(self, max_length: int = 280, at: TruncateAt = TruncateAt.WORD) -> TruncatedText:
        text, is_truncated = truncate(self.full, check_max_length(max_length), at)
        return TruncatedText(text=text, is_truncated=is_truncated)
