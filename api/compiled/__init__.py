"""Compiled execution of read queries on PostgreSQL.

strawberry resolves a query field by field, through DataLoaders: a few SQL
statements per request, but Python work for every field of every object. Once
strawberry has answered a read query without errors, its document is compiled
into one SQL statement that builds the whole response's JSON in PostgreSQL (as
PostGraphile does); later requests for that document run only that statement,
plus the few conversions SQL cannot do exactly (teaser truncation, floats).

The compiler covers the title-page, browse and search shapes (api/compiled/
postgres.py lists the fields); a document with anything else (a page `after` a
cursor, a filter from a variable, `node`, directives, introspection...) always
runs through strawberry. Both paths
must give byte-identical responses: tests/api/test_compiled.py checks it.
"""

from api.compiled.plans import CompiledQueries

__all__ = ["CompiledQueries"]
