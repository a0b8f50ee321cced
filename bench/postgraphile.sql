-- Applied to the bench database only, so PostGraphile gets Reelgraph's search:
-- every word must match (the last one as a prefix), ranked by ts_rank_cd over
-- the weighted search_vector column, ties by id (as api/titles/search.py does).
CREATE OR REPLACE FUNCTION search_titles(text text) RETURNS SETOF titles
LANGUAGE sql STABLE AS $$
  SELECT t.*
  FROM titles AS t,
       to_tsquery('english', (
         SELECT string_agg(m[1], ' & ') || ':*'
         FROM regexp_matches(lower(search_titles.text), '([[:alnum:]]+)', 'g') AS m
       )) AS q
  WHERE t.search_vector @@ q
  ORDER BY ts_rank_cd(t.search_vector, q) DESC, t.id
$$;
