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
