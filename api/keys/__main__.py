"""python -m api.keys: create, list and revoke API keys."""

import argparse
import asyncio
import sys

from api.keys import create_key, list_keys, revoke_key
from api.settings import get_settings
from models import ApiKeyRole
from models.db import create_engine, create_sessionmaker


def byline(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 200:
        raise argparse.ArgumentTypeError("must be 1..200 characters")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m api.keys", description=__doc__)
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print its secret once")
    create.add_argument("--role", required=True, choices=[r.value.lower() for r in ApiKeyRole])
    create.add_argument(
        "--name", required=True, type=byline, help="who holds it; a critic's byline"
    )
    commands.add_parser("list", help="list keys (prefixes only, never secrets)")
    revoke = commands.add_parser("revoke", help="revoke the key with this prefix")
    revoke.add_argument("prefix", help="the prefix shown by `list`, e.g. rg_AbCdEfGh")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    engine = create_engine(args.database_url or get_settings().database_url)
    issued = None
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            if args.command == "create":
                issued = await create_key(session, ApiKeyRole(args.role.upper()), args.name)
            elif args.command == "list":
                for key in await list_keys(session):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    print(f"{key.prefix}  {key.role.value.lower():7}  {state:18}  {key.name}")
            elif await revoke_key(session, args.prefix) == 0:
                print(f"no active key with prefix {args.prefix!r}", file=sys.stderr)
                return 1
            else:
                print(f"revoked {args.prefix}")
    finally:
        await engine.dispose()
    if issued is not None:  # only now committed: a key that is shown is a key that works
        print(f"{issued.secret}\n(shown once; store it now — only its hash is kept)")
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
