// Partnerships CMS GraphiQL page. Built by tools/graphiql/build.sh into
// api/assets/graphiql/; the server fills the JSON config block in index.html.
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './page.css';

import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createSafeStorage } from './safe-storage.js';

const FALLBACK = { endpoint: '/graphql', tabs: [] };

function readConfig() {
  try {
    const el = document.getElementById('cms-graphiql-config');
    const parsed = JSON.parse(el ? el.textContent : '');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return FALLBACK;
    const endpoint = typeof parsed.endpoint === 'string' && parsed.endpoint ? parsed.endpoint : FALLBACK.endpoint;
    const tabs = Array.isArray(parsed.tabs) ? parsed.tabs : [];
    return { endpoint, tabs };
  } catch {
    return FALLBACK;
  }
}

function toDefaultTab(tab) {
  if (!tab || typeof tab.query !== 'string') return null;
  let variables = '';
  if (typeof tab.variables === 'string') variables = tab.variables;
  else if (tab.variables && typeof tab.variables === 'object') variables = JSON.stringify(tab.variables, null, 2);
  // GraphiQL titles a tab with the query's operation name; `title` is not
  // shown (the server may put it in a leading `# comment` of the query).
  const query = tab.query;
  return { query, variables, headers: '' };
}

const config = readConfig();
const defaultTabs = config.tabs.map(toDefaultTab).filter(Boolean);

const fetcher = createGraphiQLFetcher({ url: config.endpoint });
// GraphiQL 4 always adds the documentation explorer and the history plugin;
// the GraphiQL Explorer (query builder) comes on top.
const plugins = [explorerPlugin()];

// Everything GraphiQL persists goes through this: never headers, never the
// value of a password/token/secret variable (see safe-storage.js).
function memoryBacking() {
  const items = new Map();
  return {
    get length() { return items.size; },
    key: (i) => [...items.keys()][i] ?? null,
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => { items.set(k, String(v)); },
    removeItem: (k) => { items.delete(k); },
  };
}
let storage;
try {
  storage = createSafeStorage(window.localStorage);
} catch {
  storage = createSafeStorage(memoryBacking()); // localStorage unavailable
}

// Would GraphiQL restore this stored tab state? The same test as its
// isTabsState() (@graphiql/react 0.34.1, dist/editor/tabs.js): otherwise it
// opens `defaultTabs`.
const TAB_FIELDS = ['query', 'variables', 'headers', 'operationName', 'response'];
function isRestorableTabState(text) {
  let state;
  try {
    state = JSON.parse(text);
  } catch {
    return false;
  }
  const isRecord = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  return isRecord(state) && typeof state.activeTabIndex === 'number' && Array.isArray(state.tabs) &&
    state.tabs.every((tab) => isRecord(tab) && typeof tab.id === 'string' && typeof tab.title === 'string' &&
      TAB_FIELDS.every((key) => key in tab && (typeof tab[key] === 'string' || tab[key] === null)));
}

// GraphiQL opens `defaultTabs` (first tab active) when nothing restorable is
// stored, but fills the editors from the `graphiql:query` and
// `graphiql:variables` keys, falling back to the first tab for the query only
// (getDefaultTabState and the initial state in @graphiql/react's
// editor/context.js; still so in GraphiQL 5, graphql/graphiql#3392). So on a
// fresh profile the first tab showed empty variables (Run: "Variable slug is
// not defined") while its tab state held them, and the next load, finding the
// query stored without variables, matched no stored tab and added one. Store
// the first tab's query and variables under those keys, as GraphiQL itself does
// when a tab is opened: the editors and the tab state then agree, and a reload
// finds the active tab again.
if (defaultTabs.length > 0 && !isRestorableTabState(storage.getItem('graphiql:tabState'))) {
  storage.setItem('graphiql:query', defaultTabs[0].query);
  storage.setItem('graphiql:variables', defaultTabs[0].variables);
}

const props = {
  fetcher,
  plugins,
  storage,
  shouldPersistHeaders: false,
  isHeadersEditorEnabled: true,
  // Open the pane under the editor on Variables: every example tab has some.
  defaultEditorToolsVisibility: 'variables',
  defaultHeaders: '',
};
if (defaultTabs.length > 0) props.defaultTabs = defaultTabs;

createRoot(document.getElementById('graphiql')).render(createElement(GraphiQL, props));
