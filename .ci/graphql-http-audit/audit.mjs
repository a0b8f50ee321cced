// Audits a running GraphQL endpoint against the GraphQL-over-HTTP spec with
// graphql-http's server audits: `node audit.mjs http://127.0.0.1:8000/graphql`.
// Exits 1 on any error or warning (MUST and SHOULD); notices (MAY) are printed only.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint url>');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    const body = await result.response.text().catch(() => '');
    console.log(`${result.status.toUpperCase()} ${result.name}: ${result.reason}`);
    console.log(`  ${result.response.status} ${result.response.headers.get('content-type')} ${body.slice(0, 300)}`);
  }
}
console.log(
  `graphql-http audit of ${url}: ${counts.ok} ok, ${counts.notice} notices, ` +
    `${counts.warn} warnings, ${counts.error} errors`,
);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
