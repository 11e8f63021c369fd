// The owner's page: plain JavaScript, nothing fetched from outside the Pi (the boat is offline); the one
// library, cronstrue, is vendored. This file: the session, the requests, the helpers; the rest beside it.
// A session has two halves: an HttpOnly cookie, and page keys this page keeps in its own origin's storage
// and sends with every request (the X-D3kos-Request header; ?key= on a download link). The browser also
// sends the cookie to other ports of the helm's address (Signal K, Node-RED) and with forms other sites
// post; neither ever has a key, so the cookie alone opens nothing. Each service has its own key, sent only
// to it: the export manager runs as the d3kos user and never holds the backup API's.
'use strict';

const $ = (id) => document.getElementById(id);
const KEY_STORE = 'd3kos-page-keys';
const pageKeys = () => { try { return JSON.parse(localStorage.getItem(KEY_STORE)) || {}; } catch { return {}; } };
const keyFor = (url) => (url.startsWith('/export/') ? pageKeys().export : pageKeys().backup) || '';
// Said when a request with this browser's keys finds no session. Over plain http a page on another port of
// the helm's name can replace or push out the cookie, and nothing on the Pi can stop it (https can).
const WENT_AWAY = 'The sign-in on this browser went away: it may have ended, or another page on this helm (on another port) ' +
  'may have replaced this browser\'s sign-in cookie. Pair this browser again with a new pairing link.';
const withKey = (url) => `${url}${url.includes('?') ? '&' : '?'}key=${encodeURIComponent(keyFor(url))}`;

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// The ProblemDetails "error" sentence is what the owner sees; nothing else of a failure is shown.
async function problemOf(response) {
  try {
    const body = await response.json();
    return body.error || body.detail || body.title || `HTTP ${response.status}`;
  } catch {
    return `The Pi answered HTTP ${response.status}.`;
  }
}

async function api(method, url, body) {
  const init = { method, credentials: 'same-origin', headers: { 'X-D3kos-Request': keyFor(url) } };
  // A refused sign-in (a used pairing link, a wrong token) says its own sentence, not WENT_AWAY.
  const hadSession = keyFor(url) !== '' && !(method === 'POST' && url === '/api/backup/session');
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'The Pi did not answer: is the helm on and this device on the boat\'s network?');
  }
  if (!response.ok) {
    if (response.status === 401 && hadSession) {
      wentAway();
      throw new ApiError(401, WENT_AWAY);
    }
    const error = new ApiError(response.status, await problemOf(response));
    // 401: not signed in; 403 without a key: this browser signed out in another tab.
    if (response.status === 401 || (response.status === 403 && !keyFor(url))) showSignIn();
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

function say(text) {
  const box = $('message');
  box.textContent = text;
  box.hidden = !text;
}

function failed(error) { say(error.message || String(error)); }

function size(bytes) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function cell(row, text) {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}

// At a phone's width each row is a card: every cell shows its column's name beside it (style.css).
function labelCells(table) {
  const names = [...table.tHead.rows[0].cells].map((th) => th.textContent);
  for (const row of table.tBodies[0].rows) {
    [...row.cells].forEach((td, i) => { if (td.colSpan === 1 && !td.classList.contains('row-actions')) td.dataset.label = names[i]; });
  }
}

function button(label, name, action, kind) {
  const b = document.createElement('button');
  b.type = 'button';
  if (kind) b.className = kind;
  b.textContent = label;
  b.setAttribute('aria-label', `${label} ${name}`);
  b.addEventListener('click', action);
  return b;
}

// ---- Sign-in ----

function showSignIn() {
  $('sign-in').hidden = false;
  $('owner').hidden = true;
  $('sign-out').hidden = true;
}

// The page had a session and the Pi no longer knows it: say why, once, and forget the keys.
function wentAway() {
  localStorage.removeItem(KEY_STORE);
  showSignIn();
  say(WENT_AWAY);
}

function showOwner() {
  $('sign-in').hidden = true;
  $('owner').hidden = false;
  $('sign-out').hidden = false;
  refreshAll();
}

async function signIn(body) {
  const session = await api('POST', '/api/backup/session', body);
  localStorage.setItem(KEY_STORE, JSON.stringify(session.page_keys));
  say('');
  showOwner();
}

async function start() {
  // A pairing link carries its code after '#': never sent to the server by the browser, removed from the
  // address bar at once so it is not kept in history or shown over a shoulder.
  const pair = new URLSearchParams(location.hash.slice(1)).get('pair');
  if (pair) {
    history.replaceState(null, '', location.pathname);
    try {
      await signIn({ pairing_code: pair });
      return;
    } catch (error) {
      failed(error);
    }
  }
  try {
    const session = await api('GET', '/api/backup/session');
    if (session.signed_in) showOwner();
    else if (!pair && pageKeys().backup) wentAway();
    else showSignIn();
  } catch (error) {
    failed(error);
    showSignIn();
  }
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn({ token: $('token').value }).then(() => { $('token').value = ''; }, failed);
});

$('sign-out').addEventListener('click', () => {
  api('DELETE', '/api/backup/session').then(() => { localStorage.removeItem(KEY_STORE); showSignIn(); }, failed);
});

$('sign-out-all').addEventListener('click', async () => {
  if (!(await confirmed('Sign out every browser?', 'Every phone, tablet and browser signed in to this page is signed out, this one too. Pair them again to use them.', 'Sign out all', false))) return;
  try {
    await api('DELETE', '/api/backup/sessions');
    localStorage.removeItem(KEY_STORE);
    showSignIn();
  } catch (error) {
    failed(error);
  }
});

// ---- Everything on the page, fetched again (the lists and exports are in lists.js and exports.js) ----

function refreshAll() {
  Promise.all([refreshBackups(), refreshSchedule(), refreshExports()]).catch(failed);
}

$('refresh').addEventListener('click', refreshAll);

// A pairing link opened in a tab that shows the page already: only the part after '#' changes. The first
// start waits for the other scripts of the page (deferred, run in order before DOMContentLoaded).
window.addEventListener('hashchange', start);
document.addEventListener('DOMContentLoaded', start);
