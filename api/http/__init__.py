"""The HTTP layer: the Starlette app, the GraphQL endpoint, the server and the
middleware around them (limits, compression), persisted queries and GraphiQL."""
