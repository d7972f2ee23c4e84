// The Storage that GraphiQL gets (its `storage` prop): localStorage, but no
// write ever stores request headers or the value of a secret-looking variable.
//
// `shouldPersistHeaders: false` only keeps headers out of the tab state and the
// `graphiql:headers` key; the history plugin still saves each run's headers
// (`graphiql:queries`, `graphiql:favorites`), and variables such as the Login
// tab's password go everywhere (`graphiql:variables`, the tab state, history).
// Here, on every write:
//   - `graphiql:headers` is never written (it is removed instead);
//   - `headers` is nulled in the tab state and removed from history/favourite
//     entries and from any other stored JSON;
//   - in stored variables (`graphiql:variables`, tabs[].variables,
//     queries[]/favorites[].variables) every key whose name contains
//     "password", "token" or "secret" (any case, any depth) gets an empty value;
//   - variables that do not parse as JSON are dropped (a half-typed password
//     cannot be told apart), as is a tab state or history that does not parse.
// Everything else (queries, other variables, history, layout, theme) is kept.
// Values already stored (by an older page) are cleaned when the page loads.

const NAMESPACE = 'graphiql:';
const SECRET_NAME = /password|token|secret/i;

const isObject = (value) => value !== null && typeof value === 'object';

function blankSecrets(value) {
  if (Array.isArray(value)) return value.map(blankSecrets);
  if (!isObject(value)) return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) out[key] = SECRET_NAME.test(key) ? '' : blankSecrets(inner);
  return out;
}

function withoutHeaders(value) {
  if (Array.isArray(value)) return value.map(withoutHeaders);
  if (!isObject(value)) return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) if (key !== 'headers') out[key] = withoutHeaders(inner);
  return out;
}

function hasSecretKey(value) {
  if (Array.isArray(value)) return value.some(hasSecretKey);
  if (!isObject(value)) return false;
  return Object.entries(value).some(([key, inner]) => SECRET_NAME.test(key) || hasSecretKey(inner));
}

// The text of a variables editor as it may be stored: unchanged when it holds
// no secret key (so GraphiQL's tab hashes still match), re-serialised with the
// secrets blanked otherwise, `null` when it is not JSON (or not a string).
export function safeVariables(text) {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string') return null;
  if (text.trim() === '') return text;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  return hasSecretKey(parsed) ? JSON.stringify(blankSecrets(parsed), null, 2) : text;
}

function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

// tabState: {"tabs":[{id,hash,title,query,variables,headers,operationName,response}],"activeTabIndex":n}.
// GraphiQL only restores tabs that still have a `headers` key (string or null).
function safeTabState(text) {
  const parsed = parseJson(text);
  if (!parsed.ok || !isObject(parsed.value)) return null;
  const state = withoutHeaders(parsed.value);
  if (Array.isArray(state.tabs)) {
    state.tabs = state.tabs.map((tab) =>
      isObject(tab) && !Array.isArray(tab)
        ? { ...tab, variables: safeVariables(tab.variables), headers: null, response: null }
        : tab,
    );
  }
  return JSON.stringify(state);
}

// queries / favorites: {"queries":[{query,variables,headers,operationName,label,favorite}]}.
function safeQueryList(text) {
  const parsed = parseJson(text);
  if (!parsed.ok || !isObject(parsed.value)) return null;
  const list = withoutHeaders(parsed.value);
  for (const [key, items] of Object.entries(list)) {
    if (!Array.isArray(items)) continue;
    list[key] = items.map((item) => {
      if (!isObject(item) || Array.isArray(item) || !('variables' in item)) return item;
      const variables = safeVariables(item.variables);
      const { variables: _dropped, ...rest } = item;
      return variables === null ? rest : { ...rest, variables };
    });
  }
  return JSON.stringify(list);
}

// Any other key: strip `headers` from JSON objects; leave everything else alone.
function safeOther(text) {
  if (typeof text !== 'string' || !/"headers"/.test(text)) return text;
  const parsed = parseJson(text);
  if (!parsed.ok || !isObject(parsed.value)) return text;
  return JSON.stringify(withoutHeaders(parsed.value));
}

// What may be stored under `key` for `value`; null means "store nothing".
export function safeValue(key, value) {
  const text = value === null || value === undefined ? '' : String(value);
  if (!key.startsWith(NAMESPACE)) return safeOther(text);
  const name = key.slice(NAMESPACE.length);
  switch (name) {
    case 'headers':
      return null;
    case 'variables':
      return safeVariables(text);
    case 'tabState':
      return safeTabState(text);
    case 'queries':
    case 'favorites':
      return safeQueryList(text);
    default:
      return safeOther(text);
  }
}

export function createSafeStorage(backing = window.localStorage) {
  const graphiqlKeys = () => {
    const keys = [];
    for (let i = 0; i < backing.length; i += 1) {
      const key = backing.key(i);
      if (key !== null && key.startsWith(NAMESPACE)) keys.push(key);
    }
    return keys;
  };
  const storage = {
    getItem(key) {
      if (key === `${NAMESPACE}headers`) return null;
      return backing.getItem(key);
    },
    setItem(key, value) {
      const safe = safeValue(key, value);
      if (safe === null || safe === '') backing.removeItem(key);
      else backing.setItem(key, safe);
    },
    removeItem(key) {
      backing.removeItem(key);
    },
    clear() {
      for (const key of graphiqlKeys()) backing.removeItem(key);
    },
    get length() {
      return graphiqlKeys().length;
    },
  };
  // Clean what an older page may have left behind.
  for (const key of graphiqlKeys()) {
    try {
      const value = backing.getItem(key);
      if (value !== null && safeValue(key, value) !== value) storage.setItem(key, value);
    } catch {
      backing.removeItem(key);
    }
  }
  return storage;
}
