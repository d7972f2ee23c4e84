// The partner contract as graphql-js sees it, against a running server:
//   1. the full introspection query of graphql-js, with every option, succeeds;
//   2. printSchema(buildClientSchema(result)) is byte for byte the committed
//      schema.graphql (so the file is what every graphql-js tool would print);
//   3. every operation in queries/ validates against that client schema, and its
//      example variables are accepted.
// Usage: BASE_URL=http://127.0.0.1:8080 node schema.mjs
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildClientSchema, getIntrospectionQuery, parse, printSchema, validate,
  typeFromAST, coerceInputValue, Kind,
} from 'graphql';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const base = process.env.BASE_URL || 'http://127.0.0.1:8080';
let failures = 0;
const fail = (msg) => { failures += 1; console.error(`FAIL ${msg}`); };

const query = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});
const resp = await fetch(`${base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
  body: JSON.stringify({ query, operationName: 'IntrospectionQuery' }),
});
const body = await resp.json();
if (resp.status !== 200 || body.errors) {
  console.error(`FAIL introspection: HTTP ${resp.status} ${JSON.stringify(body.errors)}`);
  process.exit(1);
}
console.log('ok   the full graphql-js introspection query succeeds');

const schema = buildClientSchema(body.data);
const printed = `${printSchema(schema)}\n`;
const committed = readFileSync(join(root, 'schema.graphql'), 'utf8');
if (printed === committed) {
  console.log('ok   schema.graphql is what graphql-js prints from live introspection');
} else {
  const a = printed.split('\n');
  const b = committed.split('\n');
  const at = a.findIndex((line, i) => line !== b[i]);
  fail(`schema.graphql differs from graphql-js's print at line ${at + 1}:\n` +
    `  graphql-js:     ${JSON.stringify(a[at])}\n  schema.graphql: ${JSON.stringify(b[at])}`);
}

const dir = join(root, 'queries');
const files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort();
if (files.length === 0) fail('no .graphql files in queries/');
for (const file of files) {
  const doc = parse(readFileSync(join(dir, file), 'utf8'));
  const errors = validate(schema, doc);
  if (errors.length) {
    fail(`${file}: ${errors.map((e) => e.message).join('; ')}`);
    continue;
  }
  const varsFile = join(dir, file.replace(/\.graphql$/, '.variables.json'));
  const variables = existsSync(varsFile) ? JSON.parse(readFileSync(varsFile, 'utf8')) : {};
  for (const def of doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)) {
    for (const v of def.variableDefinitions ?? []) {
      const name = v.variable.name.value;
      const type = typeFromAST(schema, v.type);
      if (!(name in variables)) {
        if (v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue) fail(`${file}: no example value for required $${name}`);
        continue;
      }
      coerceInputValue(variables[name], type, (path, _value, error) => {
        fail(`${file}: $${name}${path.length ? `.${path.join('.')}` : ''}: ${error.message}`);
      });
    }
  }
  console.log(`ok   ${file} validates, with its example variables`);
}

if (failures) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log('contract: all passed');
