// PostGraphile v4 over the bench database, as a plain Node HTTP server.
// Usage: node postgraphile-server.js <postgres url> <port>
// GET /bench/queries answers how many SQL queries the server has sent so far
// (the benchmark driver reads it before and after one request).
"use strict";
const http = require("http");
const { Pool } = require("pg");
const { postgraphile } = require("postgraphile");

const [databaseUrl, port] = process.argv.slice(2);
const pool = new Pool({ connectionString: databaseUrl, max: 10 });
let queries = 0;
pool.on("connect", (client) => {
  const query = client.query;
  client.query = function (...args) {
    queries += 1;
    return query.apply(this, args);
  };
});

const handler = postgraphile(pool, "public", {
  graphiql: false,
  disableQueryLog: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  // Reelgraph sorts NULLs last in both directions; PostgreSQL's DESC default is NULLS FIRST.
  graphileBuildOptions: { orderByNullsLast: true },
});

http
  .createServer((req, res) => {
    if (req.url === "/bench/queries") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ queries }));
      return;
    }
    handler(req, res);
  })
  .listen(Number(port), "127.0.0.1");
