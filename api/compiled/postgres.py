"""One PostgreSQL statement that builds a whole response's JSON.

Each object in the selection becomes a `json_build_object` with the response's
keys in order, each list a correlated subquery aggregated with `json_agg`, each
connection page a `LIMIT`ed subquery numbered with `row_number()`, so a request
is one round trip whatever its page sizes. The orderings, search ranking and
availability rules are the loaders' own SQLAlchemy expressions, rendered here.

What SQL cannot produce exactly as the resolvers do is left to Python as
`Fixes` on named keys of the result: truncated teasers (the database sends the
full text) and the critic rating's rounding (Python's, on the mean as a float).
"""

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ClauseElement, ColumnElement, Select, bindparam, literal_column, select, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from api.blurb import check_max_length
from api.compiled.selection import Argument, Field, NotCompilable, Variables
from api.errors import ApiError
from api.offers.filters import available_now, parse_region, streamable_in
from api.offers.loaders import OFFER_ORDER
from api.pagination import Ordering, SortKey, encode_cursor, parse_float, validate_first
from api.people.loaders import BILLING_ORDER
from api.response_cache import LISTS, PERSON, TITLE, depends_on
from api.reviews.loaders import NEWEST_FIRST
from api.text import truncate
from api.titles.filters import TitleFilter
from api.titles.search import (
    SEARCH_LIST,
    postgres_best,
    postgres_match,
    search_terms,
    tsquery_text,
)
from api.titles.sorters import ORDERINGS, TitleOrder
from api.titles.types import shown_rating
from models import Credit, Offer, Review, Title
from models.columns import UTCDateTime, utc_now

Source = Callable[[Variables], Any]
"""A statement parameter's value for one request; raises `ApiError` on bad input,
`NotCompilable` on input the statement does not cover."""
Convert = Callable[[Any, Variables], Any]
"""Turns the value the database built at one key into the response's."""

MAX_KEYS = 50  # json_build_object takes at most 100 arguments
TAG_KEY = "__tag"  # no GraphQL name starts with "__" but introspection's
TITLE_TAG = f"'{TITLE}' || titles.id"
PERSON_TAG = f"'{PERSON}' || people.id"

TITLE_COLUMNS = {
    "slug": "slug",
    "name": "name",
    "kind": "kind",
    "year": "year",
    "releaseDate": "release_date",
    "contentRating": "content_rating",
    "runtimeMinutes": "runtime_minutes",
    "originalLanguage": "original_language",
    "version": "version",
}
REVIEW_COLUMNS = {
    "reviewer": "reviewer",
    "publication": "publication",
    "publishedAt": "published_at",
}
OFFER_COLUMNS = {
    "region": "region",
    "monetization": "monetization",
    "quality": "quality",
    "url": "url",
}

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]
_NOW = bindparam("now", utc_now(), type_=UTCDateTime())  # the value only lets it compile


@dataclass
class Fixes:
    """Changes to the database's JSON, by response key: a `Convert` for the value
    there, or more `Fixes` for the object (or each object of the list) there.
    With the response cache on, objects also carry their cache tag, taken out here."""

    at: dict[str, "Fixes | Convert"] = field(default_factory=dict)
    tagged: bool = False  # the object's tag is at TAG_KEY
    tags_if_null: tuple[str, ...] = ()  # what a missing object depends on

    def apply(self, value: Any, variables: Variables) -> None:
        if value is None:
            depends_on(*self.tags_if_null)
        elif isinstance(value, list):
            for item in value:
                self.apply(item, variables)
        else:
            if self.tagged:
                depends_on(value.pop(TAG_KEY))
            for key, fix in self.at.items():
                if isinstance(fix, Fixes):
                    fix.apply(value[key], variables)
                else:
                    value[key] = fix(value[key], variables)


Compiled = tuple[str, Fixes | Convert | None]


@dataclass(frozen=True)
class Statement:
    sql: str
    sources: tuple[Source, ...]  # $1, $2, ...
    checks: tuple[Source, ...]  # argument checks with no parameter of their own
    fixes: Fixes | None
    tags: tuple[str, ...]  # cache tags of every answer


def compile_query(fields: tuple[Field, ...], *, tagged: bool) -> Statement:
    """`tagged`: record the response cache's tags (api/response_cache.py) as
    strawberry's resolvers do."""
    compiler = _Compiler(tagged)
    sql, fixes = compiler.object("Query", fields, compiler.query_field)
    return Statement(
        f"SELECT ({sql})::text",
        tuple(compiler.sources),
        tuple(compiler.checks),
        fixes,
        tuple(compiler.tags),
    )


class _Compiler:
    def __init__(self, tagged: bool) -> None:
        self.tagged = tagged
        self.tags: set[str] = set()  # what every answer depends on
        self.sources: list[Source] = []
        self.checks: list[Source] = []
        self._now: str | None = None

    def param(self, source: Source) -> str:
        self.sources.append(source)
        return f"${len(self.sources)}"

    def value(self, argument: Argument, source: Source) -> str:
        """An argument's SQL: a literal is checked now and written into the statement
        (so the planner sees it, e.g. a LIMIT), a variable becomes a parameter.
        `source` must return an int or an upper-case code, safe to write as SQL."""
        if argument.variable is not None:
            return self.param(source)
        try:
            value = source({})
        except ApiError as error:  # strawberry reports the bad literal
            raise NotCompilable(str(error)) from None
        return str(value) if isinstance(value, int) else f"'{value}'"

    def region(self, selected: Field) -> str:
        region = selected.argument("region")
        return self.value(region, lambda variables: parse_region(region.value(variables)))

    def now(self) -> str:
        """The request's clock, as the loaders use it for availability windows."""
        if self._now is None:
            self._now = self.param(lambda _: utc_now())
        return self._now

    def object(
        self,
        type_name: str,
        fields: tuple[Field, ...],
        resolve: Callable[[Field], Compiled],
        tag: str | None = None,
    ) -> tuple[str, Fixes | None]:
        """`tag`: SQL for the cache tag of the row the object shows, if it has one."""
        if not fields or len(fields) >= MAX_KEYS:
            raise NotCompilable(f"{len(fields)} fields on {type_name}")
        pairs: list[str] = []
        fixes = Fixes()
        if self.tagged and tag is not None:
            pairs.append(f"'{TAG_KEY}', {tag}")
            fixes.tagged = True
        for selected in fields:
            if selected.key == TAG_KEY:
                raise NotCompilable(f"the alias {TAG_KEY}")
            sql, fix = (
                (f"'{type_name}'", None) if selected.name == "__typename" else resolve(selected)
            )
            pairs.append(f"'{selected.key}', {sql}")
            if fix is not None:
                fixes.at[selected.key] = fix
        return f"json_build_object({', '.join(pairs)})", fixes if fixes.at or fixes.tagged else None

    # Query

    def query_field(self, selected: Field) -> Compiled:
        match selected.name:
            case "title":
                slug = self.param(_value(selected.argument("slug")))
                sql, fixes = self.object("Title", selected.fields, self.title_field, TITLE_TAG)
                return f"(SELECT {sql} FROM titles WHERE titles.slug = {slug})", _missing(fixes)
            case "person":
                slug = self.param(_value(selected.argument("slug")))
                sql, fixes = self.object("Person", selected.fields, self.person_field, PERSON_TAG)
                return f"(SELECT {sql} FROM people WHERE people.slug = {slug})", _missing(fixes)
        self.tags.add(LISTS)
        match selected.name:
            case "genres":
                sql, fixes = self.object("Genre", selected.fields, _genre_field)
                return f"(SELECT {_array(sql, 'genres.name')} FROM genres)", fixes
            case "titles":
                return self.titles(selected)
            case "search":
                return self.search(selected)
        raise NotCompilable(f"Query.{selected.name}")

    def titles(self, selected: Field) -> Compiled:
        where = "true"
        chosen = selected.literal("filter")  # a dict of the input's fields, by GraphQL name
        if chosen is not None:
            fields = {_snake_case(name): value for name, value in chosen.items()}
            title_filter = TitleFilter(**fields)
            try:
                condition = title_filter.condition(_NOW)
            except ApiError as error:  # strawberry reports the bad value
                raise NotCompilable(str(error)) from None
            where = self.bound(condition, Title)
        order = selected.literal("orderBy") or TitleOrder.RELEASED_DESC
        first = self.first(selected, default=20)
        return self.connection(
            selected,
            "Title",
            self.title_field,
            _List.ordered(Title, ORDERINGS[order]),
            where=where,
            first=first,
            tag=TITLE_TAG,
        )

    def bound(self, condition: ColumnElement[bool], table: type[Any]) -> str:
        """A condition on `table` as SQL whose values are this statement's parameters
        (`_NOW` the request's clock); its subqueries correlate with `table`."""
        stmt: Select[Any] = select(literal_column("1")).select_from(table).where(condition)
        compiled = stmt.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
        names = compiled.positiontup or []
        placeholders = [
            self.now() if name == _NOW.key else self.param(_constant(compiled.params[name]))
            for name in names
        ]
        sql = str(compiled).split("WHERE ", 1)[1]
        return re.sub(r"\$(\d+)", lambda match: placeholders[int(match.group(1)) - 1], sql)

    def search(self, selected: Field) -> Compiled:
        text = selected.argument("text")
        query = self.param(lambda variables: _tsquery(text.value(variables)))
        first = self.first(selected, default=20)
        condition, rank = postgres_match(literal_column(query))
        best = postgres_best(literal_column(query), literal_column(f"{first} + 1"))
        return self.connection(
            selected,
            "Title",
            self.title_field,
            _List(Title, (rank, Title.id), SEARCH_LIST, ()),  # cursors hold positions
            where=_sql(best),  # enough for the page and hasNextPage
            every=_sql(condition),
            first=first,
            tag=TITLE_TAG,
        )

    def first(self, selected: Field, default: int) -> str:
        """The page size parameter. Only first pages are compiled: pages after a
        cursor are left to strawberry (with `after: $cursor`, per request)."""
        after = selected.argument("after")
        if after.variable is not None:
            self.checks.append(lambda variables: _first_page(after.value(variables)))
        elif after.literal is not None:
            raise NotCompilable("after")
        first = selected.argument("first")

        def size(variables: Variables) -> int:
            value = first.value(variables)
            return validate_first(default if value is None else value)

        return self.value(first, size)

    def connection(
        self,
        selected: Field,
        node_type: str,
        node_field: Callable[[Field], Compiled],
        rows: "_List",
        *,
        where: str,
        first: str,
        tag: str | None = None,
        every: str | None = None,
    ) -> Compiled:
        """A page of `rows` matching `where` (which may name the parent row). When
        `where` holds only the first rows of the list, `every` holds all of them."""
        table = rows.table
        page = rows.page(where, first)
        cursor = f"json_build_array({rows.cursor_values})"
        to_cursor = _cursor(rows.cursor_name)

        def edge_field(edge: Field) -> Compiled:
            if edge.name == "cursor":
                return cursor, to_cursor
            if edge.name == "node":
                return self.object(node_type, edge.fields, node_field, tag)
            raise NotCompilable(f"{node_type}Edge.{edge.name}")

        def page_info_field(info: Field) -> Compiled:
            match info.name:
                case "hasNextPage":
                    more = f"SELECT 1 FROM {table} WHERE {where} LIMIT {first} + 1"
                    return f"((SELECT count(*) FROM ({more}) AS more) > {first})", None
                case "hasPreviousPage":
                    return "false", None
                case "startCursor" | "endCursor":
                    last = " DESC" if info.name == "endCursor" else ""
                    return (
                        f"(SELECT {cursor} FROM ({page}) AS {table}"
                        f" ORDER BY {table}.ord{last} LIMIT 1)"
                    ), to_cursor
            raise NotCompilable(f"PageInfo.{info.name}")

        def connection_field(part: Field) -> Compiled:
            match part.name:
                case "edges":
                    edge, fixes = self.object(f"{node_type}Edge", part.fields, edge_field)
                    aggregate = _array(edge, f"{table}.ord")
                    return f"(SELECT {aggregate} FROM ({page}) AS {table})", fixes
                case "totalCount":
                    return f"(SELECT count(*) FROM {table} WHERE {every or where})", None
                case "pageInfo":
                    return self.object("PageInfo", part.fields, page_info_field)
            raise NotCompilable(f"{node_type}Connection.{part.name}")

        return self.object(f"{node_type}Connection", selected.fields, connection_field)

    # Title and what hangs off it; `titles` is the title's row

    def title_field(self, selected: Field) -> Compiled:
        column = TITLE_COLUMNS.get(selected.name)
        if column is not None:
            return f"titles.{column}", None
        match selected.name:
            case "id":
                return _global_id("Title", "titles.id"), None
            case "synopsis":
                sql, fixes = self.blurb(selected, "titles.synopsis")
                return f"CASE WHEN titles.synopsis <> '' THEN {sql} END", fixes
            case "genres":
                sql, fixes = self.object("Genre", selected.fields, _genre_field)
                return (
                    f"(SELECT {_array(sql, 'genres.name')} FROM title_genres"
                    " JOIN genres ON genres.id = title_genres.genre_id"
                    " WHERE title_genres.title_id = titles.id)"
                ), fixes
            case "audioLanguages" | "subtitleLanguages":
                use = "AUDIO" if selected.name == "audioLanguages" else "SUBTITLE"
                return (
                    f"(SELECT {_array('title_languages.language', 'title_languages.position')}"
                    " FROM title_languages WHERE title_languages.title_id = titles.id"
                    f" AND title_languages.use = '{use}')"
                ), None
            case "criticRating":
                return "titles.critic_rating", _critic_rating
            case "reviews":
                return self.connection(
                    selected,
                    "Review",
                    self.review_field,
                    _List.ordered(Review, NEWEST_FIRST),
                    where="reviews.title_id = titles.id",
                    first=self.first(selected, default=10),
                )
            case "credits":
                roles = selected.literal("roles")
                where = "credits.title_id = titles.id"
                if roles:
                    where += f" AND credits.role IN ({_quoted(role.value for role in roles)})"
                return self.connection(
                    selected,
                    "Credit",
                    self.credit_field,
                    _List.ordered(Credit, BILLING_ORDER),
                    where=where,
                    first=self.first(selected, default=20),
                    tag=f"'{PERSON}' || credits.person_id",
                )
            case "offers":
                return self.offers(selected)
            case "availableToStream":
                region = self.region(selected)
                streamable = streamable_in(literal_column(region), literal_column(self.now()))
                return (
                    "EXISTS (SELECT 1 FROM offers WHERE offers.title_id = titles.id"
                    f" AND {_sql(streamable)})"
                ), None
        raise NotCompilable(f"Title.{selected.name}")

    def blurb(self, selected: Field, text: str) -> tuple[str, Fixes | None]:
        def blurb_field(part: Field) -> Compiled:
            if part.name == "full":
                return text, None
            if part.name == "truncated":
                return text, self.truncation(part)
            raise NotCompilable(f"Blurb.{part.name}")

        return self.object("Blurb", selected.fields, blurb_field)

    def truncation(self, selected: Field) -> Convert:
        max_length, at = selected.argument("maxLength"), selected.argument("at")
        self.checks.append(lambda variables: check_max_length(max_length.value(variables)))
        keys = [(part.key, part.name) for part in selected.fields]
        if any(name not in ("text", "isTruncated", "__typename") for _, name in keys):
            raise NotCompilable("TruncatedText")

        def convert(full: str, variables: Variables) -> dict[str, Any]:
            cut = truncate(full, max_length.value(variables), at.value(variables))
            values = {"text": cut.text, "isTruncated": cut.is_truncated}
            return {key: values.get(name, "TruncatedText") for key, name in keys}

        return convert

    def review_field(self, selected: Field) -> Compiled:
        column = REVIEW_COLUMNS.get(selected.name)
        if column is not None:
            return f"reviews.{column}", None
        match selected.name:
            case "id":
                return _global_id("Review", "reviews.id"), None
            case "rating":
                return _float("reviews.rating"), None
            case "body":
                return self.blurb(selected, "reviews.body")
        raise NotCompilable(f"Review.{selected.name}")

    def credit_field(self, selected: Field) -> Compiled:
        match selected.name:
            case "role" | "character":
                return f"credits.{selected.name}", None
            case "order":
                return "credits.position", None
            case "person":
                sql, fixes = self.object("Person", selected.fields, self.person_field, PERSON_TAG)
                return f"(SELECT {sql} FROM people WHERE people.id = credits.person_id)", fixes
        raise NotCompilable(f"Credit.{selected.name}")

    def person_field(self, selected: Field) -> Compiled:
        match selected.name:
            case "id":
                return _global_id("Person", "people.id"), None
            case "slug" | "name":
                return f"people.{selected.name}", None
        raise NotCompilable(f"Person.{selected.name}")

    def offers(self, selected: Field) -> Compiled:
        region = self.region(selected)
        where = f"offers.title_id = titles.id AND offers.region = {region}"
        where += f" AND {_sql(available_now(literal_column(self.now())))}"
        monetizations = selected.literal("monetizations")
        if monetizations is not None:  # an empty list keeps no offer, as in the resolver
            chosen = _quoted(member.value for member in monetizations)
            where += f" AND offers.monetization IN ({chosen})" if chosen else " AND false"
        sql, fixes = self.object("Offer", selected.fields, self.offer_field)
        order = _order(OFFER_ORDER, Offer)
        return (
            f"(SELECT {_array(sql, order)} FROM offers"
            f" JOIN providers ON providers.id = offers.provider_id WHERE {where})"
        ), fixes

    def offer_field(self, selected: Field) -> Compiled:
        column = OFFER_COLUMNS.get(selected.name)
        if column is not None:
            return f"offers.{column}", None
        match selected.name:
            case "provider":
                return self.object("Provider", selected.fields, _provider_field)
            case "price":
                sql, fixes = self.object("Money", selected.fields, _money_field)
                return f"CASE WHEN offers.price IS NOT NULL THEN {sql} END", fixes
        raise NotCompilable(f"Offer.{selected.name}")


@dataclass(frozen=True)
class _List:
    """A paginated list's rows: their entity, order, and what their cursors hold
    (sort-key values as the loaders' `Cursor`s do, or with no keys the position)."""

    entity: type[Any]
    order: Sequence[Any]
    cursor_name: str
    cursor_keys: Sequence[SortKey]

    @classmethod
    def ordered(cls, entity: type[Any], ordering: Ordering) -> "_List":
        return cls(entity, ordering.order_by(), ordering.name, ordering.keys)

    @property
    def table(self) -> str:
        return str(self.entity.__tablename__)

    @property
    def cursor_values(self) -> str:
        if not self.cursor_keys:
            return f"{self.table}.ord"
        return ", ".join(
            _float(f"{self.table}.sort{index}")
            if key.parse is parse_float
            else f"{self.table}.sort{index}"
            for index, key in enumerate(self.cursor_keys)
        )

    def page(self, where: str, first: str) -> str:
        """The page's rows with their sort keys, numbered from 1 in order (`ord`).
        Numbered after the LIMIT, over the page's rows alone, so that PostgreSQL can
        keep only the best rows while it sorts (a window over the whole match would
        make it sort every matching row, e.g. every search hit)."""
        keys = [key.column.label(f"sort{index}") for index, key in enumerate(self.cursor_keys)]
        rows: Select[Any] = (
            select(literal_column(f"{self.table}.*"), *keys)
            .select_from(self.entity)
            .where(text(where))
            .order_by(*self.order)
        )
        order = _order(self.order, self.entity)  # the same names: the page is aliased as the table
        return (
            f"SELECT {self.table}.*, row_number() OVER (ORDER BY {order}) AS ord"
            f" FROM ({_sql(rows)} LIMIT {first}) AS {self.table}"
        )


def _genre_field(selected: Field) -> Compiled:
    if selected.name in ("slug", "name"):
        return f"genres.{selected.name}", None
    raise NotCompilable(f"Genre.{selected.name}")


def _provider_field(selected: Field) -> Compiled:
    match selected.name:
        case "id":
            return _global_id("Provider", "providers.id"), None
        case "slug" | "name":
            return f"providers.{selected.name}", None
    raise NotCompilable(f"Provider.{selected.name}")


def _money_field(selected: Field) -> Compiled:
    match selected.name:
        case "amount":  # the Decimal scalar is a string: numeric's text, e.g. "3.99"
            return "offers.price::text", None
        case "currency":
            return "offers.currency", None
    raise NotCompilable(f"Money.{selected.name}")


def _global_id(type_name: str, pk: str) -> str:
    """api.ids.encode_id in SQL: unpadded URL-safe base64 of "Type:pk"."""
    encoded = f"encode(convert_to('{type_name}:' || {pk}, 'UTF8'), 'base64')"
    return f"rtrim(translate({encoded}, '+/', '-_'), '=')"


def _array(element: str, order: str) -> str:
    return f"coalesce(json_agg({element} ORDER BY {order}), '[]')"


def _quoted(values: Any) -> str:
    """Enum values (upper-case identifiers, never user text) as SQL literals."""
    return ", ".join(f"'{value}'" for value in values)


def _sql(clause: ClauseElement) -> str:
    return str(clause.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))


def _order(clauses: Sequence[Any], table: type[Any]) -> str:
    """ORDER BY items as the loaders' statements render them (a subquery among them
    correlates with `table`)."""
    stmt: Select[Any] = select(literal_column("1")).select_from(table).order_by(*clauses)
    return _sql(stmt).split("ORDER BY ", 1)[1]


def _missing(fixes: Fixes | None) -> Fixes | None:
    """A root object looked up by slug: when there is none, the answer must not stay
    cached once one is added (strawberry's resolvers tag it LISTS too)."""
    if fixes is not None:
        fixes.tags_if_null = (LISTS,)
    return fixes


def _value(argument: Argument) -> Source:
    return argument.value


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _constant(value: Any) -> Source:
    """A value the document wrote; enums are stored as their values."""
    bound = value.value if isinstance(value, enum.Enum) else value
    return lambda _: bound


def _first_page(after: str | None) -> None:
    if after is not None:
        raise NotCompilable("a page after a cursor")


def _tsquery(text: str) -> str:
    terms = search_terms(text)
    if not terms:  # strawberry answers an empty page without asking the database
        raise NotCompilable("no search terms")
    return tsquery_text(terms)


def _float(number: str) -> str:
    """A double as JSON the way Python writes floats (4.0, not PostgreSQL's 4); both
    write the shortest exact digits, alike for the ratings and means here (0..5)."""
    whole = f"({number}::text || '.0')::json"
    return f"CASE WHEN {number} = trunc({number}) THEN {whole} ELSE {number}::text::json END"


def _cursor(list_name: str) -> Convert:
    def encode(values: list[Any] | None, _variables: Variables) -> str | None:
        return None if values is None else encode_cursor(list_name, values)

    return encode


def _critic_rating(value: Any, _variables: Variables) -> float | None:
    return shown_rating(None if value is None else float(value))
