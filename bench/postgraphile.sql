-- Applied to the bench database only, so PostGraphile gets Reelgraph's search:
-- every word must match (the last one as a prefix), the `best` top-ranked
-- matches read from the title_search_terms index (title_search_top), ranked by
-- title_search_rank, ties by id (as api/titles/search.py does; migration 0005).
-- title_search_top runs once, in FROM: in a WHERE it would run per title.
DROP FUNCTION IF EXISTS search_titles(text);
CREATE OR REPLACE FUNCTION search_titles(text text, best integer) RETURNS SETOF titles
LANGUAGE sql STABLE AS $$
  SELECT t.*
  FROM to_tsquery('english', (
         SELECT string_agg(m[1], ' & ') || ':*'
         FROM regexp_matches(lower(search_titles.text), '([[:alnum:]]+)', 'g') AS m
       )) AS q,
       title_search_top(q, search_titles.best) AS top(id)
       JOIN titles AS t ON t.id = top.id
  ORDER BY title_search_rank(t.search_vector, q) DESC, t.id
$$;

-- W6: PostGraphile's conditions are equalities only, so the filtered browse is a
-- function: one genre (by slug), a range of years, Reelgraph's RELEASED_DESC order.
CREATE OR REPLACE FUNCTION browse_titles(genre text, year_from integer, year_to integer)
RETURNS SETOF titles
LANGUAGE sql STABLE AS $$
  SELECT t.*
  FROM titles AS t
  WHERE t.year BETWEEN browse_titles.year_from AND browse_titles.year_to
    AND t.id IN (
      SELECT tg.title_id FROM title_genres AS tg JOIN genres AS g ON g.id = tg.genre_id
      WHERE g.slug = browse_titles.genre
    )
  ORDER BY t.year DESC NULLS LAST, t.release_date DESC NULLS LAST, t.id
$$;

-- W8: a person's credits, newest title first, as Reelgraph orders them (year, NULLs
-- last, then credit id); PostGraphile exposes it as Person.filmography.
CREATE OR REPLACE FUNCTION people_filmography(person people) RETURNS SETOF credits
LANGUAGE sql STABLE AS $$
  SELECT c.*
  FROM credits AS c JOIN titles AS t ON t.id = c.title_id
  WHERE c.person_id = person.id
  ORDER BY t.year DESC NULLS LAST, c.id
$$;

-- W11: a title's offers available now in any of `regions`, as Reelgraph's Title.offersIn
-- lists them (no monetization filter: every offer not removed and inside its availability
-- window); PostGraphile exposes it as Title.offersIn(regions:), one list by region that
-- the client groups. Its conditions cannot say "region in a list" or "available now".
CREATE OR REPLACE FUNCTION titles_offers_in(title titles, regions text[]) RETURNS SETOF offers
LANGUAGE sql STABLE AS $$
  SELECT o.*
  FROM offers AS o
  WHERE o.title_id = title.id
    AND o.region = ANY (titles_offers_in.regions)
    AND o.removed_at IS NULL
    AND (o.available_from IS NULL OR o.available_from <= now())
    AND (o.available_until IS NULL OR o.available_until > now())
  ORDER BY o.region, o.id
$$;

-- The ordinary indexes for PostGraphile's own ORDER BYs (orderByNullsLast writes
-- `DESC NULLS LAST`, which Reelgraph's expression indexes do not serve).
CREATE INDEX IF NOT EXISTS postgraphile_titles_released_desc
  ON titles (year DESC NULLS LAST, release_date DESC NULLS LAST, id);
CREATE INDEX IF NOT EXISTS postgraphile_reviews_title_published_desc
  ON reviews (title_id, published_at DESC NULLS LAST, id);
