// After `vite build`: checks dist/, writes THIRD_PARTY_LICENSES.txt and
// MANIFEST.json, and installs everything into api/assets/graphiql/.
// Deterministic: no timestamps, everything sorted.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(here, 'dist');
const out = resolve(here, '../../api/assets/graphiql');
const PLACEHOLDER = '<script id="cms-graphiql-config" type="application/json">__CMS_GRAPHIQL_CONFIG__</script>';

function fail(message) {
  console.error(`postbuild: ${message}`);
  process.exit(1);
}
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

// --- 1. the built page -------------------------------------------------------
const html = readFileSync(join(dist, 'index.html'), 'utf8');
if (html.split('__CMS_GRAPHIQL_CONFIG__').length !== 2 || !html.includes(PLACEHOLDER)) {
  fail('dist/index.html must contain the config placeholder exactly once');
}
for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
  const open = tag.slice(0, tag.indexOf('>') + 1);
  const body = tag.slice(open.length, -'</script>'.length);
  const isData = /type="application\/json"/.test(open);
  const isExternal = /\ssrc="\/graphiql\/assets\/[^"/]+"/.test(open);
  if (!(isData || (isExternal && body.trim() === ''))) fail(`inline or foreign script in index.html: ${open}`);
}
for (const [, url] of html.matchAll(/\s(?:src|href)="([^"]*)"/g)) {
  if (!(url.startsWith('/graphiql/assets/') || url === 'data:,')) fail(`index.html references ${url}`);
}
const assets = readdirSync(join(dist, 'assets')).sort();
for (const name of assets) {
  if (name.endsWith('.map')) fail(`source map in output: ${name}`);
  if (!/-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/.test(name)) fail(`asset without a content hash: ${name}`);
}
for (const name of assets) {
  const text = readFileSync(join(dist, 'assets', name), 'latin1');
  if (/sourceMappingURL=/.test(text)) fail(`${name} points at a source map`);
  if (/url\(\s*["']?(?:https?:)?\/\//.test(text)) fail(`${name} loads CSS from another origin`);
  if (/@import\s+(?:url\()?["']?https?:/.test(text)) fail(`${name} imports CSS from another origin`);
}

// --- 2. licences of the bundled packages -----------------------------------
const modules = readJson(join(here, '.build/modules.json'));
const packageDirs = new Map(); // dir -> true
let usesViteRuntime = false;
for (const raw of modules) {
  const id = raw.replace(/^\0/, '').split('?')[0];
  if (raw.startsWith('\0')) {
    usesViteRuntime = true; // \0vite/preload-helper, \0commonjsHelpers
    continue;
  }
  const at = id.lastIndexOf(`${sep}node_modules${sep}`);
  if (at < 0) continue; // this project's own sources
  const rest = id.slice(at + `${sep}node_modules${sep}`.length).split(sep);
  const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  packageDirs.set(join(id.slice(0, at), 'node_modules', ...name.split('/')), true);
}
if (usesViteRuntime) packageDirs.set(join(here, 'node_modules', 'vite'), true);
// src/style-singleton.js re-implements react-style-singleton's API.
packageDirs.set(join(here, 'node_modules', 'react-style-singleton'), true);

const LICENSE_FILE = /^(licen[cs]e|copying|notice|thirdpartynotices)(\b|[._-]|$)/i;
const packages = [];
for (const dir of packageDirs.keys()) {
  const pkg = readJson(join(dir, 'package.json'));
  const files = readdirSync(dir)
    .filter((f) => LICENSE_FILE.test(f) && statSync(join(dir, f)).isFile())
    .sort();
  packages.push({
    name: pkg.name,
    version: pkg.version,
    license: typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN'),
    homepage: typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? pkg.homepage ?? ''),
    texts: files.map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n').trimEnd() })),
  });
}
packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));

const rule = '='.repeat(78);
let licences =
  'Third-party software bundled into the Partnerships CMS GraphiQL page\n' +
  '(api/assets/graphiql/, built by tools/graphiql/build.sh).\n\n' +
  `${packages.length} npm packages, each with the licence files it ships.\n\n` +
  'Fonts embedded as data: URLs in the stylesheet (from graphiql/dist/style.css,\n' +
  'which inlines @graphiql/react/font/*.css): Roboto and Fira Code, both under the\n' +
  'SIL Open Font License 1.1 (OFL-1.1).\n\n' +
  packages.map((p) => `  ${p.name}@${p.version} (${p.license})`).join('\n') +
  '\n';
for (const p of packages) {
  licences += `\n${rule}\n${p.name}@${p.version}\nLicense: ${p.license}\n`;
  if (p.homepage) licences += `Source: ${p.homepage}\n`;
  if (p.texts.length === 0) {
    licences += `\n(The package ships no licence file; its package.json declares "${p.license}".)\n`;
  }
  for (const t of p.texts) licences += `\n--- ${t.file} ---\n\n${t.text}\n`;
}

// --- 3. install into api/assets/graphiql -----------------------------------
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
cpSync(join(dist, 'index.html'), join(out, 'index.html'));
for (const name of assets) cpSync(join(dist, 'assets', name), join(out, 'assets', name));
writeFileSync(join(out, 'THIRD_PARTY_LICENSES.txt'), licences);

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
const files = ['index.html', ...assets.map((a) => `assets/${a}`), 'THIRD_PARTY_LICENSES.txt'].map((path) => {
  const buf = readFileSync(join(out, path));
  const ext = path.slice(path.lastIndexOf('.'));
  if (!CONTENT_TYPES[ext]) fail(`no content type known for ${path}`);
  return { path, bytes: buf.length, sha256: sha256(buf), contentType: CONTENT_TYPES[ext] };
});

const own = readJson(join(here, 'package.json'));
const lock = readJson(join(here, 'package-lock.json'));
const pinned = {};
for (const [name, version] of Object.entries({ ...own.dependencies, ...own.devDependencies }).sort()) {
  const locked = lock.packages[`node_modules/${name}`]?.version;
  if (locked !== version) fail(`${name}: package.json pins ${version}, package-lock.json has ${locked}`);
  pinned[name] = version;
}
const manifest = {
  what: 'Self-contained GraphiQL page of the Partnerships CMS',
  build: {
    command: 'bash tools/graphiql/build.sh',
    steps: ['npm ci --ignore-scripts --no-audit --no-fund', 'vite build', 'node scripts/postbuild.mjs'],
    lockfile: 'tools/graphiql/package-lock.json',
    lockfileSha256: sha256(readFileSync(join(here, 'package-lock.json'))),
  },
  pinnedPackages: pinned,
  bundledPackages: Object.fromEntries(packages.map((p) => [p.name, p.version])),
  serving: {
    page: 'index.html at GET /graphql (Accept: text/html) and GET /graphiql',
    placeholder: PLACEHOLDER,
    placeholderValue:
      'JSON {"endpoint":"/graphql","tabs":[{"title":"...","query":"...","variables":"{...}"}]} with <, > and & written as \\u003c, \\u003e, \\u0026',
    pageCacheControl: 'no-cache (the page carries the server-made config and names the current hashed assets, so a browser revalidates it every time)',
    assets: 'assets/<name> at GET /graphiql/assets/<name>, Cache-Control: public, max-age=31536000, immutable',
    contentTypes: Object.fromEntries(Object.entries(CONTENT_TYPES).filter(([ext]) => ext !== '.txt')),
    // What the page needs, nothing more (tested in tests/browser/graphiql.mjs):
    // no inline script or style, no workers, fonts inlined as data: URLs.
    contentSecurityPolicy:
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; font-src data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'",
  },
  files,
};
writeFileSync(join(out, 'MANIFEST.json'), JSON.stringify(manifest, null, 2) + '\n');

for (const f of files) console.log(`${String(f.bytes).padStart(9)}  ${f.sha256.slice(0, 16)}  ${relative(resolve(here, '../..'), join(out, f.path))}`);
console.log(`${packages.length} bundled packages; licences in ${relative(resolve(here, '../..'), join(out, 'THIRD_PARTY_LICENSES.txt'))}`);
if (!existsSync(join(out, 'MANIFEST.json'))) fail('MANIFEST.json missing');
