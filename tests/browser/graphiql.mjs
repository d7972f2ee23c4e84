#!/usr/bin/env node
// Real-browser check of the CMS GraphiQL page (GraphiQL 4, CodeMirror 5) in
// Debian's chromium, driven by playwright-core (which never downloads a browser).
//
//   BASE_URL=http://127.0.0.1:18080 CMS_EMAIL=admin@example.org CMS_PASSWORD=... \
//     node tests/browser/graphiql.mjs
//
// Env: BASE_URL (default http://127.0.0.1:18080), CMS_EMAIL, CMS_PASSWORD (a
// staff account), SCREENSHOT_DIR (default: a new temp dir), CHROMIUM (default
// /usr/bin/chromium), TEST_TIMEOUT_MS (default 120000).
// It starts from a fresh profile and presses Run on the first tab before
// touching anything else (GraphiQL must open with that tab's variables, on the
// Variables pane), and checks that reloads never add a tab.
// Besides rendering and running queries it proves that nothing secret reaches
// localStorage: the bearer token in the headers editor and the Login tab's
// password (tools/graphiql/src/safe-storage.js), waiting out GraphiQL's
// debounces first so that the result does not depend on timing.
// Exits 0 only when every check passed; prints "browser: N passed, M failed".
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:18080').replace(/\/+$/, '');
const EMAIL = process.env.CMS_EMAIL || '';
const PASSWORD = process.env.CMS_PASSWORD || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS || 120_000);
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || mkdtempSync(join(tmpdir(), 'cms-graphiql-'));
const ALLOWED_HOSTS = new Set(['127.0.0.1']);
const STEP_TIMEOUT = 20_000;

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token user { email role } }
}`;
const ME = 'query Me { me { name role user { email } } }';
// The tabs a fresh profile opens with (api/src/http/graphiql.rs tabs(); GraphiQL
// names a tab after its operation), and the Peru programme's budget as the
// CountryPage answer gives it (a decimal string and a currency, no formatting).
const DEFAULT_TABS = ['CountryPage', 'DocumentList', 'Search', 'Login', 'Me'];
const PERU_BUDGET = { amount: '57000000.00', currency: 'EUR' };
// GraphiQL saves changes after debounces of 100 ms (tab) and 500 ms (storage):
// wait longer than both before running or reading localStorage, so the checks
// below do not pass by being faster than the page.
const SETTLE_MS = 700;

const results = []; // { name, ok, detail }
const blocked = []; // requests to other hosts
const cspViolations = [];
const pageErrors = [];
const consoleErrors = [];
const screenshots = [];
let browser;

function pass(name, detail = '') {
  results.push({ name, ok: true, detail });
  console.log(`ok     ${name}${detail ? ` (${detail})` : ''}`);
}
function failed(name, detail) {
  results.push({ name, ok: false, detail });
  console.log(`FAILED ${name}: ${detail}`);
}
async function check(name, fn) {
  try {
    const detail = await fn();
    pass(name, typeof detail === 'string' ? detail : '');
    return true;
  } catch (err) {
    failed(name, String(err?.message || err).split('\n')[0]);
    return false;
  }
}

function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failedCount = results.length - passed;
  if (screenshots.length) {
    console.log('screenshots:');
    for (const s of screenshots) console.log(`  ${s}`);
  }
  for (const r of results.filter((x) => !x.ok)) console.log(`  failed: ${r.name}: ${r.detail}`);
  console.log(`browser: ${passed} passed, ${failedCount} failed`);
  return failedCount;
}

const watchdog = setTimeout(async () => {
  failed('global timeout', `the test did not finish within ${TIMEOUT_MS} ms`);
  summary();
  try {
    await browser?.close();
  } finally {
    process.exit(1);
  }
}, TIMEOUT_MS);

async function shoot(page, name, fullPage = false) {
  const path = join(SCREENSHOT_DIR, `${String(screenshots.length + 1).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path, fullPage });
  screenshots.push(path);
}

// --- CodeMirror 5 helpers (GraphiQL 4 keeps the instance on the wrapper) ----
const SEL = {
  queryEditor: '.graphiql-query-editor .graphiql-editor .CodeMirror',
  visibleToolEditor: '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
  // GraphiQL renders the variables editor first in the tools pane, then headers.
  variablesEditor: '.graphiql-editor-tool > .graphiql-editor:first-child .CodeMirror',
  variablesButton: '.graphiql-editor-tools button[data-name="variables"]',
  result: '.result-window .CodeMirror',
  execute: 'button.graphiql-execute-button',
  tabButton: '.graphiql-tab-button',
  activeTabButton: '.graphiql-tab[aria-selected="true"] .graphiql-tab-button',
};

async function editorValue(page, selector) {
  return page.$eval(selector, (el) => (el.CodeMirror ? el.CodeMirror.getValue() : el.innerText));
}

// Click into the editor, select everything, type the new text (as one input,
// so CodeMirror's auto-closing brackets do not double the braces).
async function typeInto(page, selector, text) {
  const editor = page.locator(selector).first();
  await editor.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  await editor.locator('.CodeMirror-lines').first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Escape'); // close an autocomplete popup, if any
  const value = await editorValue(page, selector);
  if (value.trim() !== text.trim()) throw new Error(`editor holds ${JSON.stringify(value)} instead of ${JSON.stringify(text)}`);
}

async function tabTitles(page) {
  return (await page.locator(SEL.tabButton).allInnerTexts()).map((t) => t.trim());
}

// The tabs the server configured (the JSON block the page starts from).
async function configuredTabs(page) {
  return page.evaluate(() => JSON.parse(document.getElementById('cms-graphiql-config').textContent).tabs);
}

// Same JSON (or both blank): the text of a variables editor against a tab's.
function sameVariables(actual, expected) {
  if (!actual.trim() || !expected.trim()) return actual.trim() === expected.trim();
  try {
    return JSON.stringify(JSON.parse(actual)) === JSON.stringify(JSON.parse(expected));
  } catch {
    return false;
  }
}

// The pane under the query editor is open on Variables, and the variables
// editor (the one shown) holds `expected`.
async function variablesPaneShows(page, expected, label) {
  const button = page.locator(SEL.variablesButton);
  await button.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  if (!/\bactive\b/.test((await button.getAttribute('class')) || '')) {
    const open = await page.locator('.graphiql-editor-tools button.active').allInnerTexts();
    throw new Error(`${label}: the pane under the editor is not on Variables (open: ${open.join(', ') || 'none, collapsed'})`);
  }
  await page.locator('section.graphiql-editor-tool[aria-label="Variables"]').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  await page.locator(SEL.variablesEditor).waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  const shown = await editorValue(page, SEL.visibleToolEditor);
  const variables = await editorValue(page, SEL.variablesEditor);
  if (shown !== variables) throw new Error(`${label}: the editor shown is not the variables editor`);
  if (!sameVariables(variables, expected)) {
    throw new Error(`${label}: the variables editor holds ${JSON.stringify(variables)} instead of ${JSON.stringify(expected)}`);
  }
  return variables;
}

// Reload and wait for the editor; returns the tab titles.
async function reload(page) {
  await page.reload({ waitUntil: 'load', timeout: STEP_TIMEOUT });
  await page.locator(SEL.queryEditor).waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  await page.locator(SEL.tabButton).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  return tabTitles(page);
}

async function waitForResult(page, needles) {
  const deadline = Date.now() + STEP_TIMEOUT;
  let value = '';
  while (Date.now() < deadline) {
    value = await editorValue(page, SEL.result).catch(() => '');
    if (needles.every((n) => value.includes(n))) return value;
    await page.waitForTimeout(200);
  }
  throw new Error(`result pane lacks ${needles.filter((n) => !value.includes(n)).join(', ')}; it shows: ${value.slice(0, 300).replace(/\s+/g, ' ')}`);
}

// Click Run and wait for the POST /graphql of `operationName` to answer;
// returns the parsed response body.
async function run(page, operationName) {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql' &&
        (r.request().postData() || '').includes(`"operationName":"${operationName}"`),
      { timeout: STEP_TIMEOUT },
    ),
    page.locator(SEL.execute).click(),
  ]);
  const body = await response.json().catch(() => null);
  if (!body) throw new Error(`${operationName}: HTTP ${response.status()} without a JSON body`);
  return body;
}

async function localStorageEntries(page) {
  return page.evaluate(() => {
    const out = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      out.push([key, localStorage.getItem(key)]);
    }
    return out;
  });
}

async function showHistory(page) {
  const history = page.locator('.graphiql-plugin section[aria-label="History"]');
  if (!(await history.isVisible())) await page.locator('button[aria-label="Show History"]').click();
  await history.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  return history;
}

async function historyHas(page, names) {
  const history = await showHistory(page);
  for (const name of names) {
    await history.locator('.graphiql-history-item-label', { hasText: new RegExp(`^\\s*${name}\\s*$`) }).first()
      .waitFor({ timeout: STEP_TIMEOUT })
      .catch(() => { throw new Error(`the history does not list ${name}`); });
  }
}

async function login() {
  const res = await fetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: LOGIN, variables: { email: EMAIL, password: PASSWORD } }),
  });
  const body = await res.json().catch(() => null);
  const token = body?.data?.login?.token;
  if (!token) throw new Error(`login as ${EMAIL} failed: HTTP ${res.status} ${JSON.stringify(body?.errors ?? body).slice(0, 300)}`);
  return token;
}

async function main() {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  console.log(`GraphiQL page at ${BASE_URL}/graphql; screenshots in ${SCREENSHOT_DIR}`);
  if (!EMAIL || !PASSWORD) {
    failed('configuration', 'CMS_EMAIL and CMS_PASSWORD must be set (a staff account)');
    return;
  }
  if (!ALLOWED_HOSTS.has(new URL(BASE_URL).hostname)) {
    failed('configuration', `BASE_URL must be on ${[...ALLOWED_HOSTS].join(', ')} (the test blocks every other host)`);
    return;
  }

  let token = '';
  if (!(await check('login mutation returns a token', async () => { token = await login(); }))) return;

  // launch() gives every run a fresh, empty temporary profile (user-data-dir)
  // that Playwright deletes on close, so no localStorage survives between runs.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, serviceWorkers: 'block' });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (ALLOWED_HOSTS.has(url.hostname)) return route.continue();
    blocked.push(`${route.request().method()} ${url.href}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('websocket', (ws) => blocked.push(`WebSocket ${ws.url()}`));
  page.on('pageerror', (err) => pageErrors.push(String(err?.message || err)));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/Content Security Policy/i.test(text)) cspViolations.push(text);
    else consoleErrors.push(text);
  });

  const rendered = await check('GraphiQL renders (query editor visible)', async () => {
    const res = await page.goto(`${BASE_URL}/graphql`, { waitUntil: 'load', timeout: STEP_TIMEOUT });
    if (!res || res.status() !== 200) throw new Error(`GET /graphql answered ${res?.status()}`);
    const csp = res.headers()['content-security-policy'] || '';
    if (!/script-src 'self'/.test(csp)) throw new Error(`no strict Content-Security-Policy header on the page (got ${JSON.stringify(csp)})`);
    await page.locator(SEL.queryEditor).waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    await page.locator(SEL.execute).waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    const title = await page.title();
    if (title !== 'Partnerships CMS · GraphiQL') throw new Error(`page title is ${JSON.stringify(title)}`);
  });
  if (!rendered) {
    await shoot(page, 'not-rendered', true).catch(() => {});
    return;
  }
  await shoot(page, 'loaded');

  // Before anything else touches the page: no tab clicked, no pane switched.
  let config = [];
  await check('on first load the first tab is CountryPage and the Variables pane shows its example variables', async () => {
    config = await configuredTabs(page);
    const tabs = await tabTitles(page);
    if (JSON.stringify(tabs) !== JSON.stringify(DEFAULT_TABS)) throw new Error(`the tabs are ${tabs.join(', ')} instead of ${DEFAULT_TABS.join(', ')}`);
    if (config.length !== DEFAULT_TABS.length) throw new Error(`the page config has ${config.length} tabs`);
    const active = (await page.locator(SEL.activeTabButton).innerText()).trim();
    if (active !== 'CountryPage') throw new Error(`the active tab is ${active}`);
    const query = await editorValue(page, SEL.queryEditor);
    if (query !== config[0].query) throw new Error(`the query editor holds ${JSON.stringify(query.slice(0, 80))}`);
    const variables = await variablesPaneShows(page, config[0].variables, 'CountryPage');
    if (!variables.includes('"slug"')) throw new Error(`the variables ${JSON.stringify(variables)} lack "slug"`);
    return variables.trim();
  });

  await check('the first press of Run (no tab clicked) runs CountryPage and shows Peru and its EUR 57000000.00 budget', async () => {
    const body = await run(page, 'CountryPage');
    if (body.errors) throw new Error(`the answer has errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
    const country = body?.data?.country;
    if (country?.name !== 'Peru') throw new Error(`country is ${JSON.stringify(country).slice(0, 200)}`);
    const budgets = (country.programmes?.edges ?? []).map((e) => e.node.budget);
    if (!budgets.some((b) => JSON.stringify(b) === JSON.stringify(PERU_BUDGET))) {
      throw new Error(`no programme has the budget ${JSON.stringify(PERU_BUDGET)} (budgets: ${JSON.stringify(budgets)})`);
    }
    // The result pane prints the answer as JSON with two-space indentation.
    await waitForResult(page, ['"name": "Peru"', `"amount": "${PERU_BUDGET.amount}"`, `"currency": "${PERU_BUDGET.currency}"`]);
    await shoot(page, 'country-page-result');
  });

  await check('a reload (and a second one) keeps exactly the 5 tabs, CountryPage active with its variables', async () => {
    await page.waitForTimeout(SETTLE_MS); // every debounced write of the first load is made
    for (const round of [1, 2]) {
      const tabs = await reload(page);
      if (JSON.stringify(tabs) !== JSON.stringify(DEFAULT_TABS)) throw new Error(`reload ${round}: the tabs are ${tabs.join(', ')}`);
      const active = (await page.locator(SEL.activeTabButton).innerText()).trim();
      if (active !== 'CountryPage') throw new Error(`reload ${round}: the active tab is ${active}`);
      await variablesPaneShows(page, config[0].variables, `reload ${round}`);
      await page.waitForTimeout(SETTLE_MS);
    }
  });

  await check('docs explorer lists the fields of type Country', async () => {
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    const search = docs.locator('.graphiql-doc-explorer-search input');
    await search.click();
    await search.fill('Country');
    const option = page.getByRole('option').filter({ hasText: /^\s*Country\s*$/ }).first();
    await option.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    await option.click();
    await docs.locator('.graphiql-doc-explorer-title', { hasText: /^Country$/ }).waitFor({ timeout: STEP_TIMEOUT });
    const fields = await docs.locator('.graphiql-doc-explorer-field-name').allInnerTexts();
    const missing = ['iso2', 'name', 'programmes'].filter((f) => !fields.includes(f));
    if (missing.length) throw new Error(`Country lacks ${missing.join(', ')} in the docs (saw: ${fields.join(', ')})`);
    await shoot(page, 'docs-country');
    return `${fields.length} fields`;
  });

  await check('the GraphiQL Explorer plugin lists the query root fields', async () => {
    await page.locator('button[aria-label="Show GraphiQL Explorer"]').click();
    const plugin = page.locator('.graphiql-plugin');
    await plugin.getByText('Explorer', { exact: true }).first().waitFor({ timeout: STEP_TIMEOUT });
    const text = await plugin.innerText();
    const missing = ['country', 'countries', 'documents'].filter((f) => !new RegExp(`^${f}\\b`, 'm').test(text));
    if (missing.length) throw new Error(`the explorer lacks ${missing.join(', ')}`);
  });

  await check('the settings dialog opens (no <style> injection) and offers no header persistence', async () => {
    await page.locator('button[aria-label="Open settings dialog"]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Settings', { exact: true }).waitFor({ timeout: STEP_TIMEOUT });
    const text = await dialog.innerText();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: STEP_TIMEOUT });
    if (/persist headers/i.test(text)) throw new Error('the settings offer to persist headers');
  });

  await check('every tab shows its example query and variables when clicked', async () => {
    const tabs = await tabTitles(page);
    if (tabs.length !== config.length) throw new Error(`${tabs.length} tabs for ${config.length} configured`);
    for (const [i, tab] of config.entries()) {
      await page.locator(SEL.tabButton).nth(i).click();
      const query = await editorValue(page, SEL.queryEditor);
      if (query !== tab.query) throw new Error(`tab ${tabs[i]} holds the query ${JSON.stringify(query.slice(0, 80))}`);
      await variablesPaneShows(page, tab.variables, `tab ${tabs[i]}`);
    }
    await page.locator(SEL.tabButton).first().click();
    return `${config.length} tabs`;
  });

  await check('the history plugin lists the executed CountryPage query', async () => {
    await historyHas(page, ['CountryPage']);
  });

  const secrets = { token, browserToken: '' };
  await check('a staff request with an Authorization header answers `me` (run twice)', async () => {
    await page.locator('button.graphiql-tab-add').click();
    await typeInto(page, SEL.queryEditor, ME);
    await page.locator('.graphiql-editor-tools button', { hasText: /^Headers$/ }).click();
    await typeInto(page, SEL.visibleToolEditor, JSON.stringify({ Authorization: `Bearer ${token}` }));
    await page.waitForTimeout(SETTLE_MS); // the tab (and history) now hold the header
    for (const round of [1, 2]) {
      const body = await run(page, 'Me');
      if (body?.data?.me?.user?.email !== EMAIL) throw new Error(`run ${round}: me is ${JSON.stringify(body).slice(0, 200)}`);
      if (!['ADMIN', 'EDITOR'].includes(body.data.me.role)) throw new Error(`run ${round}: me.role is ${body.data.me.role}`);
      await waitForResult(page, [`"${EMAIL}"`]);
    }
  });

  await check('the Login tab logs in with the password typed into its variables', async () => {
    await page.locator('.graphiql-tab-button', { hasText: /^Login$/ }).first().click();
    const query = await editorValue(page, SEL.queryEditor);
    if (!/mutation Login\b/.test(query)) throw new Error(`the Login tab holds ${JSON.stringify(query.slice(0, 80))}`);
    await page.locator('.graphiql-editor-tools button', { hasText: /^Variables$/ }).click();
    const preset = JSON.parse(await editorValue(page, SEL.visibleToolEditor));
    if (!('password' in preset)) throw new Error(`the Login tab's variables have no password: ${JSON.stringify(preset)}`);
    await typeInto(page, SEL.visibleToolEditor, JSON.stringify({ ...preset, email: EMAIL, password: PASSWORD }));
    await page.waitForTimeout(SETTLE_MS); // graphiql:variables and the tab now hold the password
    const body = await run(page, 'Login');
    secrets.browserToken = body?.data?.login?.token || '';
    if (!secrets.browserToken) throw new Error(`login failed: ${JSON.stringify(body?.errors ?? body).slice(0, 300)}`);
    await waitForResult(page, ['"token"', `"${EMAIL}"`]);
    await shoot(page, 'login-result');
  });

  // Let every debounced write (tab state, variables: 500 ms) happen first.
  await page.waitForTimeout(SETTLE_MS + 300);

  const leaks = (entries) => {
    const found = [];
    for (const [key, value] of entries) {
      const text = `${key}=${value}`;
      if (secrets.token && text.includes(secrets.token)) found.push(`${key}: the bearer token`);
      if (secrets.browserToken && text.includes(secrets.browserToken)) found.push(`${key}: the token the Login tab got`);
      if (text.includes(PASSWORD)) found.push(`${key}: the password`);
      if (text.includes('Bearer')) found.push(`${key}: "Bearer"`);
    }
    return found;
  };

  await check('no header, token or password in localStorage', async () => {
    const entries = await localStorageEntries(page);
    const keys = entries.map(([k]) => k);
    for (const needed of ['graphiql:queries', 'graphiql:tabState']) {
      if (!keys.includes(needed)) throw new Error(`${needed} is missing (saw ${keys.join(', ')}), so this check proves nothing`);
    }
    if (keys.includes('graphiql:headers')) throw new Error('graphiql:headers was written');
    const found = leaks(entries);
    if (found.length) throw new Error(`secrets in localStorage: ${found.join('; ')}`);
    return `${entries.length} keys checked`;
  });

  await check('the history lists the executed queries and keeps them (secrets blanked) in localStorage', async () => {
    await historyHas(page, ['CountryPage', 'Me', 'Login']);
    const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('graphiql:queries')) || '{}').queries || [];
    const names = stored.map((q) => q.operationName);
    const missing = ['CountryPage', 'Me', 'Login'].filter((n) => !names.includes(n));
    if (missing.length) throw new Error(`graphiql:queries lacks ${missing.join(', ')} (has ${names.join(', ')})`);
    if (stored.some((q) => q.headers)) throw new Error('a history entry keeps its headers');
    const loginEntry = stored.find((q) => q.operationName === 'Login');
    const vars = JSON.parse(loginEntry.variables || '{}');
    if (vars.email !== EMAIL || vars.password !== '') throw new Error(`the Login history entry's variables are ${loginEntry.variables}`);
    await shoot(page, 'history');
    return `${stored.length} entries`;
  });

  await check('after edits a reload (and a second one) brings back exactly the same tabs and the history, still without secrets', async () => {
    const before = await tabTitles(page);
    const activeBefore = (await page.locator(SEL.activeTabButton).innerText()).trim();
    const expected = [...DEFAULT_TABS, 'Me']; // the five, then the tab added for `me`
    if (JSON.stringify(before) !== JSON.stringify(expected)) throw new Error(`before the reload the tabs are ${before.join(', ')}`);
    for (const round of [1, 2]) {
      const tabs = await reload(page);
      if (JSON.stringify(tabs) !== JSON.stringify(before)) throw new Error(`reload ${round}: the tabs are ${tabs.join(', ')} instead of ${before.join(', ')}`);
      const active = (await page.locator(SEL.activeTabButton).innerText()).trim();
      if (active !== activeBefore) throw new Error(`reload ${round}: the active tab is ${active} instead of ${activeBefore}`);
      await historyHas(page, ['CountryPage', 'Me', 'Login']);
      await page.waitForTimeout(SETTLE_MS);
      const found = leaks(await localStorageEntries(page));
      if (found.length) throw new Error(`secrets in localStorage after reload ${round}: ${found.join('; ')}`);
    }
    return `${before.length} tabs`;
  });

  await page.waitForTimeout(300);
  await shoot(page, 'final', true);
  await context.close();
}

try {
  await main();
} catch (err) {
  failed('unexpected error', String(err?.stack || err));
} finally {
  await browser?.close().catch(() => {});
}
if (browser) {
  if (blocked.length) failed('no request leaves 127.0.0.1', `${blocked.length} blocked:\n    ${[...new Set(blocked)].join('\n    ')}`);
  else pass('no request leaves 127.0.0.1');
  if (cspViolations.length) failed('no Content-Security-Policy violation', `${cspViolations.length}:\n    ${[...new Set(cspViolations)].join('\n    ')}`);
  else pass('no Content-Security-Policy violation');
  if (pageErrors.length) failed('no uncaught page error', [...new Set(pageErrors)].join(' | '));
  else pass('no uncaught page error');
  if (consoleErrors.length) console.log(`note: console errors:\n  ${[...new Set(consoleErrors)].join('\n  ')}`);
}
clearTimeout(watchdog);
process.exit(summary() === 0 ? 0 : 1);
