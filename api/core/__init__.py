"""The GraphQL machinery every domain shares: the request context and its reads,
errors, document limits, Relay types and ids, input checks, the response cache.
It imports no domain package (titles, people, offers...); the domains import it."""
