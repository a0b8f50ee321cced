"""title search terms

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

PostgreSQL only. A GIN index finds a word's matches but cannot return them best
first, so ranking a common word read every match (41,863 titles for "river" at
1,000,000 titles). `title_search_terms` holds each title's lexemes with the score
`title_search_rank` gives that title for that lexeme alone, indexed best first,
so the best titles for a word are the head of an index:

- `title_search_rank(vector, query)`: THE rank of a match, `ts_rank_cd` in
  ten-thousandths (an integer: ties are exact, and broken by id everywhere).
- `title_search_terms`: (lexeme, score, title_id), kept by statement triggers on
  titles. For a one-lexeme query a title's rank is its score (weights A 1.0 and
  B 0.4 per position, as `ts_rank_cd` counts a one-lexeme query); for a prefix,
  the sum of its scores over the lexemes with that prefix.
- `title_search_top(query, wanted)`: the ids of the `wanted` best matches.
  Reads each lexeme's head (a threshold algorithm: deeper until no unread title
  can beat the `wanted`-th best read one). Several words, a prefix of more than
  64 lexemes, or no answer after reading 4,096 deep: every match is ranked, as
  before this revision (the GIN index finds them).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = (
    """CREATE FUNCTION title_search_rank(vector tsvector, query tsquery) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT round(ts_rank_cd(vector, query)::float8 * 10000)::integer
    $$""",
    # ts_rank_cd's default weights (D, C, B, A) = (0.1, 0.2, 0.4, 1.0), per position.
    """CREATE FUNCTION title_search_postings(vector tsvector)
    RETURNS TABLE (lexeme text, score integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT entry.lexeme, coalesce((
            SELECT sum(CASE weight WHEN 'A' THEN 10000 WHEN 'B' THEN 4000
                                   WHEN 'C' THEN 2000 ELSE 1000 END)
            FROM unnest(entry.weights) AS weight
        ), 0)::integer
        FROM unnest(vector) AS entry
    $$""",
    """CREATE TABLE title_search_terms (
        lexeme text COLLATE "C" NOT NULL,
        score integer NOT NULL,
        title_id integer NOT NULL
    )""",
    """INSERT INTO title_search_terms (lexeme, score, title_id)
    SELECT posting.lexeme, posting.score, titles.id
    FROM titles, title_search_postings(titles.search_vector) AS posting""",
    """CREATE UNIQUE INDEX ix_title_search_terms_ranked
    ON title_search_terms (lexeme, score DESC, title_id)""",
    # Statement triggers: a COPY of many titles adds their postings in one INSERT.
    # An UPDATE that leaves the text alone (critic_rating) touches no posting.
    """CREATE FUNCTION title_search_terms_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            TRUNCATE title_search_terms;
        ELSIF TG_OP = 'INSERT' THEN
            INSERT INTO title_search_terms (lexeme, score, title_id)
            SELECT posting.lexeme, posting.score, added.id
            FROM added_titles AS added, title_search_postings(added.search_vector) AS posting;
        ELSIF TG_OP = 'DELETE' THEN
            DELETE FROM title_search_terms AS term
            USING removed_titles AS removed, title_search_postings(removed.search_vector) AS posting
            WHERE (term.lexeme, term.score, term.title_id)
                = (posting.lexeme, posting.score, removed.id);
        ELSE
            DELETE FROM title_search_terms AS term
            USING removed_titles AS removed
                JOIN added_titles AS added ON added.id = removed.id
                    AND added.search_vector <> removed.search_vector,
                title_search_postings(removed.search_vector) AS posting
            WHERE (term.lexeme, term.score, term.title_id)
                = (posting.lexeme, posting.score, removed.id);
            INSERT INTO title_search_terms (lexeme, score, title_id)
            SELECT posting.lexeme, posting.score, added.id
            FROM added_titles AS added
                JOIN removed_titles AS removed ON removed.id = added.id
                    AND removed.search_vector <> added.search_vector,
                title_search_postings(added.search_vector) AS posting;
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER title_search_terms_insert AFTER INSERT ON titles
    REFERENCING NEW TABLE AS added_titles
    FOR EACH STATEMENT EXECUTE FUNCTION title_search_terms_sync()""",
    """CREATE TRIGGER title_search_terms_update AFTER UPDATE ON titles
    REFERENCING OLD TABLE AS removed_titles NEW TABLE AS added_titles
    FOR EACH STATEMENT EXECUTE FUNCTION title_search_terms_sync()""",
    """CREATE TRIGGER title_search_terms_delete AFTER DELETE ON titles
    REFERENCING OLD TABLE AS removed_titles
    FOR EACH STATEMENT EXECUTE FUNCTION title_search_terms_sync()""",
    """CREATE TRIGGER title_search_terms_truncate AFTER TRUNCATE ON titles
    FOR EACH STATEMENT EXECUTE FUNCTION title_search_terms_sync()""",
    """CREATE FUNCTION title_search_top(query tsquery, wanted integer)
    RETURNS SETOF integer
    LANGUAGE plpgsql STABLE STRICT ROWS 20 AS $$
    DECLARE
        -- one lexeme, perhaps a prefix: 'river':* (several are joined by & or |)
        operand text[] := regexp_match(query::text, '^''([^'']+)''(:\\*)?$');
        lexemes text[];
        depth integer := greatest(wanted, 64);
        seen integer[];
        open_lists integer;
        bound integer;
        bound_id integer;
        best integer[];
        kth_rank integer;
        kth_id integer;
    BEGIN
        IF operand IS NOT NULL AND operand[2] IS NULL THEN
            lexemes := ARRAY[operand[1]];
        ELSIF operand IS NOT NULL THEN
            lexemes := ARRAY(
                WITH RECURSIVE prefixed(lexeme) AS (
                    SELECT min(term.lexeme) FROM title_search_terms AS term
                    WHERE term.lexeme >= operand[1] COLLATE "C"
                    UNION ALL
                    SELECT (SELECT min(term.lexeme) FROM title_search_terms AS term
                            WHERE term.lexeme > prefixed.lexeme)
                    FROM prefixed WHERE starts_with(prefixed.lexeme, operand[1])
                )
                SELECT lexeme FROM prefixed WHERE starts_with(lexeme, operand[1]) LIMIT 65
            );
        END IF;
        -- Each round reads the `depth` best postings of every lexeme. A title not
        -- read scores at most the last read posting in each list it is in, so no
        -- unread title ranks above `bound`, the sum over the lists not read to the
        -- end; with one such list, an unread title of equal rank has a larger id.
        WHILE cardinality(lexemes) BETWEEN 1 AND 64 AND depth <= 4096 LOOP
            WITH head AS (
                SELECT list.lexeme, posting.title_id, posting.score,
                       row_number() OVER (PARTITION BY list.lexeme
                                          ORDER BY posting.score DESC, posting.title_id) AS n
                FROM unnest(lexemes) AS list(lexeme),
                     LATERAL (SELECT term.title_id, term.score FROM title_search_terms AS term
                              WHERE term.lexeme = list.lexeme
                              ORDER BY term.score DESC, term.title_id
                              LIMIT depth + 1) AS posting
            ), edge AS (
                SELECT last.score, last.title_id FROM head AS last
                WHERE last.n = depth AND EXISTS (
                    SELECT 1 FROM head AS more WHERE more.lexeme = last.lexeme AND more.n > depth)
            )
            SELECT ARRAY(SELECT DISTINCT head.title_id FROM head WHERE head.n <= depth),
                   (SELECT count(*) FROM edge), (SELECT sum(score) FROM edge),
                   (SELECT max(title_id) FROM edge)
            INTO seen, open_lists, bound, bound_id;

            SELECT array_agg(ranked.id ORDER BY ranked.rank DESC, ranked.id),
                   min(ranked.rank), (array_agg(ranked.id ORDER BY ranked.rank, ranked.id DESC))[1]
            INTO best, kth_rank, kth_id
            FROM (SELECT titles.id, title_search_rank(titles.search_vector, query) AS rank
                  FROM titles WHERE titles.id = ANY(seen)
                  ORDER BY rank DESC, titles.id LIMIT wanted) AS ranked;

            IF open_lists = 0 OR kth_rank > bound OR (kth_rank = bound AND kth_id <= bound_id) THEN
                RETURN QUERY SELECT unnest(best);
                RETURN;
            END IF;
            depth := depth * 4;
        END LOOP;
        RETURN QUERY
            SELECT titles.id FROM titles WHERE titles.search_vector @@ query
            ORDER BY title_search_rank(titles.search_vector, query) DESC, titles.id
            LIMIT wanted;
    END
    $$""",
)

DOWNGRADE = (
    "DROP FUNCTION title_search_top(tsquery, integer)",
    "DROP TRIGGER title_search_terms_truncate ON titles",
    "DROP TRIGGER title_search_terms_delete ON titles",
    "DROP TRIGGER title_search_terms_update ON titles",
    "DROP TRIGGER title_search_terms_insert ON titles",
    "DROP FUNCTION title_search_terms_sync()",
    "DROP TABLE title_search_terms",
    "DROP FUNCTION title_search_postings(tsvector)",
    "DROP FUNCTION title_search_rank(tsvector, tsquery)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
