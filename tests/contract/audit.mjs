// The GraphQL over HTTP audit of the `graphql-http` package (`auditServer`),
// against a running server: every audit must be `ok` (no `warn`, `error` or
// `notice`). Usage: BASE_URL=http://127.0.0.1:8080 node audit.mjs
import { auditServer } from 'graphql-http';

const base = process.env.BASE_URL;
if (!base) {
  console.error('BASE_URL is not set');
  process.exit(2);
}
const results = await auditServer({ url: `${base}/graphql`, fetchFn: fetch });
const byStatus = {};
for (const r of results) {
  byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  if (r.status !== 'ok') {
    console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}\n  ${r.reason}`);
  }
}
const summary = Object.entries(byStatus).map(([s, n]) => `${n} ${s}`).join(', ');
console.log(`graphql-http audit: ${results.length} audits: ${summary}`);
if (results.length === 0 || results.some((r) => r.status !== 'ok')) {
  process.exit(1);
}
