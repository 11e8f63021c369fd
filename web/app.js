// The owner's page: plain JavaScript, no library, nothing fetched from outside the Pi (the boat is offline).
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

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

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

// ---- Activity: one long operation at a time, with its progress ----

const PHASES = {
  'backing up': 'Backing up', finishing: 'Finishing the archive', checking: 'Checking', restoring: 'Restoring',
  'switching over': 'Stopping the services and switching over', starting: 'Starting', uploading: 'Uploading', verifying: 'Checking the upload',
  copying: 'Copying', fetching: 'Fetching from the bucket',
};

function activity(phase, done, total) {
  $('activity').hidden = false;
  const bar = $('activity-progress');
  const label = PHASES[phase] || phase;
  if (total > 0) {
    const percent = Math.min(100, Math.floor((done * 100) / total));
    bar.value = percent;
    $('activity-text').textContent = `${label}: ${size(done)} of ${size(total)} (${percent}%)`;
  } else {
    bar.removeAttribute('value'); // indeterminate: the phase cannot say how far it is
    $('activity-text').textContent = `${label}…`;
  }
}

function finished(text, lines = []) {
  $('activity').hidden = false;
  $('activity-progress').value = 100;
  $('activity-text').textContent = text;
  const result = $('activity-result');
  result.replaceChildren(...lines.map((line) => {
    const p = document.createElement('p');
    p.textContent = line;
    return p;
  }));
}

function busy(on) {
  for (const b of document.querySelectorAll('#owner button')) b.disabled = on;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A poll that fails once (the Wi-Fi drops, or a restore swaps the folder that holds the token for an
// instant) is tried again for half a minute: the job goes on on the Pi whatever the page sees.
async function poll(id) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api('GET', `/api/backup/jobs/${id}`);
    } catch (error) {
      if (error.status === 404 || error.status === 401 || attempt >= 60) throw error;
      $('activity-text').textContent = 'Waiting for the Pi to answer…';
      await pause(500);
    }
  }
}

async function runJob(url, body) {
  busy(true);
  $('activity-result').replaceChildren();
  try {
    let job = await api('POST', url, body);
    while (job.state === 'running') {
      activity(job.phase, job.done, job.total);
      await pause(300);
      job = await poll(job.id);
    }
    if (job.state === 'failed') throw new ApiError(job.status, job.error);
    return job;
  } finally {
    busy(false);
  }
}

$('create').addEventListener('click', async () => {
  say('');
  try {
    const job = await runJob('/api/backup/jobs/create');
    finished(`Backup created: ${job.create.backup_file}`, [`${job.create.file_count} files, ${size(job.create.size_bytes)}`]);
    await refreshBackups();
  } catch (error) {
    $('activity').hidden = true;
    failed(error);
  }
});

async function verify(name) {
  say('');
  try {
    const job = await runJob(`/api/backup/jobs/verify/${encodeURIComponent(name)}`);
    const v = job.verify;
    finished(v.valid ? `${name} is intact: ${v.files_checked} files checked.` : `${name} is damaged.`,
      [...v.errors, ...(v.note ? [v.note] : [])]);
  } catch (error) {
    $('activity').hidden = true;
    failed(error);
  }
}

async function restore(name, legacy) {
  const text = `${name} replaces the boat's configuration and data. A safety backup of the current state is made first.` +
    (legacy ? ' It was made by d3kOS v0.9.1.2 and has no per-file checksums: only its gzip checksum and the entry checks can be applied.' : '');
  if (!(await confirmed('Restore this backup?', text, 'Restore', true))) return;
  say('');
  try {
    const job = await runJob('/api/backup/jobs/restore', { backup_file: name, confirm: true, accept_no_checksums: legacy });
    const r = job.restore;
    finished(`Restored ${r.backup_file}`, [
      `Files restored: ${r.files_restored}`,
      r.installation_id_kept
        ? 'This Pi is still known as itself: the backup came from another Pi, and this one kept its own identity.'
        : 'This Pi is still known as itself: the backup was made on it.',
      `Safety backup: ${r.safety_backup}`,
      ...r.warnings,
    ]);
    await refreshBackups();
  } catch (error) {
    $('activity').hidden = true;
    failed(error);
  }
}

async function remove(name) {
  if (!(await confirmed('Delete this backup?', `${name} is deleted from this Pi. Copies on drives are kept.`, 'Delete', false))) return;
  say('');
  try {
    await api('DELETE', `/api/backup/${encodeURIComponent(name)}`);
    await refreshBackups();
  } catch (error) {
    failed(error);
  }
}

// A modal dialog; the restore one asks for the word "restore" typed, so a stray tap cannot overwrite the boat.
function confirmed(title, text, action, typed) {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = action;
  $('confirm-typed').hidden = !typed;
  const word = $('confirm-word');
  word.value = '';
  const ok = $('confirm-ok');
  ok.disabled = typed;
  word.oninput = () => { ok.disabled = word.value.trim().toLowerCase() !== 'restore'; };
  // Enter in the word box confirms (the form's first button, Cancel, would take it otherwise).
  word.onkeydown = (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    if (!ok.disabled) ok.click();
  };
  dialog.returnValue = ''; // Escape closes without setting it: the last answer must not count again
  dialog.showModal();
  (typed ? word : ok).focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' && (!typed || word.value.trim().toLowerCase() === 'restore')), { once: true });
  });
}

// ---- Upload: the browser counts the bytes it sends; the Pi then checks the archive before it answers ----

function upload(file) {
  say('');
  busy(true);
  $('activity-result').replaceChildren();
  activity('uploading', 0, file.size);
  const request = new XMLHttpRequest();
  request.open('POST', '/api/backup/upload');
  request.setRequestHeader('X-D3kos-Request', keyFor('/api/backup/upload'));
  request.setRequestHeader('Content-Type', 'application/octet-stream');
  request.upload.onprogress = (event) => {
    if (event.loaded >= file.size) activity('verifying', 0, 0); else activity('uploading', event.loaded, file.size);
  };
  request.upload.onload = () => activity('verifying', 0, 0);
  request.onload = async () => {
    busy(false);
    let body = {};
    try { body = JSON.parse(request.responseText); } catch { /* not JSON: said below */ }
    if (request.status >= 200 && request.status < 300 && body.already_held) {
      finished(`Already on this Pi as ${body.backup_file}`, ['The same backup (the same bytes) is in the list already, so nothing new was kept.', madeWhere(body)]);
      $('upload-file').value = '';
    } else if (request.status >= 200 && request.status < 300) {
      finished(`Uploaded and checked: ${body.backup_file}`, [size(body.size_bytes), madeWhere(body)]);
      $('upload-file').value = '';
      await refreshBackups();
    } else {
      $('activity').hidden = true;
      if (request.status === 401) wentAway(); else say(body.error || `The upload failed: HTTP ${request.status}.`);
    }
  };
  request.onerror = () => {
    busy(false);
    $('activity').hidden = true;
    say('The upload was cut off: the Pi kept nothing of it. Try again.');
  };
  request.send(file);
}

$('upload-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const file = $('upload-file').files[0];
  if (file) upload(file); else say('Choose a backup file first.');
});

const zone = $('upload-form');
zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (event) => {
  event.preventDefault();
  zone.classList.remove('over');
  const file = event.dataTransfer.files[0];
  if (file) upload(file);
});

// ---- Lists ----

async function refreshBackups() {
  const list = await api('GET', '/api/backup/list');
  latest.backups = list;
  renderSummary();
  const body = $('backups').tBodies[0];
  body.replaceChildren();
  if (list.length === 0) {
    const row = body.insertRow();
    cell(row, 'No backups yet.').colSpan = 4;
  }
  for (const b of list) {
    const row = body.insertRow();
    // An imported backup is named for its arrival: when it was made is what the owner restores by.
    cell(row, b.made_at ? `made ${whenAgo(b.made_at)}, arrived ${whenAgo(b.created)}` : whenAgo(b.created));
    cell(row, b.kind);
    cell(row, size(b.size_bytes));
    const actions = row.insertCell();
    actions.className = 'row-actions';
    const download = document.createElement('a');
    download.href = withKey(`/api/backup/download/${encodeURIComponent(b.filename)}`);
    download.setAttribute('download', b.filename);
    download.textContent = 'Download';
    download.setAttribute('aria-label', `Download ${b.filename}`);
    actions.append(download,
      button('Verify', b.filename, () => verify(b.filename)),
      button('Restore', b.filename, () => restore(b.filename, b.kind === 'legacy')),
      button('Delete', b.filename, () => remove(b.filename), 'danger'));
    row.dataset.file = b.filename;
  }
  labelCells($('backups'));
}

async function refreshSchedule() {
  const status = await api('GET', '/api/backup/status');
  latest.status = status;
  renderSummary();
  const s = status.schedule;
  const last = s.last_run;
  const items = [
    ['Schedule', s.enabled ? scheduleInWords(s) : 'off'],
    ['Next run', s.running ? 'running now' : whenAgo(s.next_run)],
    ['Last run', last ? `${whenAgo(last.finished)}: ${last.result}${last.error ? ` (${last.error})` : ''}` : 'none yet'],
    ['Passphrase for encrypted copies', status.passphrase_set ? 'set' : 'not set'],
  ];
  $('schedule').replaceChildren(...items.flatMap(([term, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
  }));
  const body = $('targets').tBodies[0];
  body.replaceChildren();
  if (status.targets.length === 0) cell(body.insertRow(), 'No copy targets are configured.').colSpan = 4;
  for (const t of status.targets) {
    const row = body.insertRow();
    cell(row, `${t.name} (${t.kind}, ${t.path})`);
    const copy = t.last_copy;
    cell(row, copy ? `${whenAgo(copy.time)}: ${copy.succeeded ? copy.copy_file : `failed: ${copy.error}`}` : 'none yet');
    cell(row, t.unavailable || 'ready');
    const actions = row.insertCell();
    actions.className = 'row-actions';
    actions.append(button('Copy newest backup', t.name, () => copyNewest(t.name)), button('Show copies', t.name, () => showCopies(t)));
    row.dataset.target = t.name;
  }
  labelCells($('targets'));
  // Only S3 targets have a secret key; a drive has none.
  const buckets = status.targets.filter((t) => t.kind === 's3');
  $('secret-form').hidden = buckets.length === 0;
  $('secret-target').replaceChildren(...buckets.map((t) => new Option(t.name, t.name)));
}

// ---- Copies: one to a target now, the copies a target holds, and one brought back from a bucket ----

async function copyNewest(target) {
  say('');
  try {
    const newest = (await api('GET', '/api/backup/list'))[0];
    if (!newest) { say('There is no backup to copy yet: create one first.'); return; }
    const job = await runJob('/api/backup/jobs/copy', { backup_file: newest.filename, target });
    const c = job.copy;
    finished(`Copied ${c.backup_file} to ${c.target}`, [`${c.copy_file}, ${size(c.size_bytes)}, ${c.encrypted ? 'encrypted' : 'not encrypted'}`,
      ...c.deleted.map((d) => `Retention removed ${d} from ${c.target}`)]);
    await refreshSchedule();
  } catch (error) {
    $('activity').hidden = true;
    failed(error);
    await refreshSchedule().catch(() => {});
  }
}

async function showCopies(target) {
  say('');
  try {
    const answer = await api('GET', `/api/backup/targets/${encodeURIComponent(target.name)}/copies`);
    $('copies-caption').textContent = `Copies on ${target.name}, newest first`;
    const body = $('copies').tBodies[0];
    body.replaceChildren();
    if (answer.copies.length === 0) cell(body.insertRow(), 'No copies there yet.').colSpan = 4;
    for (const c of answer.copies) {
      const row = body.insertRow();
      cell(row, whenAgo(c.modified_at));
      cell(row, size(c.size_bytes));
      // A copy this Pi did not send (planted by another writer of the bucket or the stick) says so.
      cell(row, c.sent_by_this_pi === false ? `${c.name} (not sent by this Pi)` : c.name);
      const actions = row.insertCell();
      // A copy in a bucket comes back through the Pi; a drive's is imported from the drive (d3kos-backup import PATH).
      if (target.kind === 's3') actions.append(button('Bring back', c.name, () => bringBack(c.address)));
      row.dataset.copy = c.name;
    }
    labelCells($('copies'));
    $('copies-wrap').hidden = false;
  } catch (error) {
    failed(error);
  }
}

// When and where a backup that came from outside was really made (its manifest), as the import answers it.
const madeWhere = (imported) => imported.made_at
  ? `It was made ${whenAgo(imported.made_at)} ${imported.made_here ? 'on this Pi' : `by another installation (id ${imported.installation_id ?? 'unknown'})`}.`
  : 'It does not record when it was made (a backup of d3kOS v0.9.1.2).';

async function bringBack(address) {
  say('');
  try {
    const job = await runJob('/api/backup/jobs/import', { address });
    finished(`Brought back as ${job.import.backup_file}`, [`${size(job.import.size_bytes)}, checked against the checksum it was sent with and verified; restore it from the list above.`, madeWhere(job.import)]);
    await refreshBackups();
  } catch (error) {
    $('activity').hidden = true;
    failed(error);
  }
}

$('secret-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  say('');
  const target = $('secret-target').value;
  try {
    await api('PUT', `/api/backup/targets/${encodeURIComponent(target)}/secret`, { secret_key: $('secret-key').value });
    $('secret-key').value = '';
    say(`The secret key of ${target} is saved on this Pi.`);
    await refreshSchedule();
  } catch (error) {
    failed(error);
  }
});

function exportName(entry) { return `${entry.type} ${entry.id}`; }

async function refreshExports() {
  const queue = await api('GET', '/export/queue');
  latest.queue = queue;
  renderSummary();
  const st = queue.stats;
  $('queue-stats').textContent = queue.delivery === 'folder'
    ? `${exportsWhere(queue)} Kept ${st.completed}; waiting ${st.pending}, retrying ${st.retry}, given up ${st.failed}.`
    : `${exportsWhere(queue)} Sent ${st.completed}; waiting ${st.pending}, retrying ${st.retry}, given up ${st.failed}.`;
  const body = $('queue').tBodies[0];
  body.replaceChildren();
  const active = queue.entries.filter((e) => e.status === 'pending' || e.status === 'retry' || e.status === 'failed');
  if (active.length === 0) cell(body.insertRow(), 'Nothing waiting.').colSpan = 5;
  for (const e of active) {
    const row = body.insertRow();
    cell(row, exportName(e));
    cell(row, e.status);
    cell(row, String(e.attempts));
    cell(row, whenAgo(e.next_retry));
    cell(row, e.last_error || '');
    row.dataset.id = e.id;
  }
  labelCells($('queue'));
  const history = await api('GET', '/export/history');
  const hBody = $('history').tBodies[0];
  hBody.replaceChildren();
  if (history.entries.length === 0) cell(hBody.insertRow(), 'Nothing in the last 30 days.').colSpan = 4;
  for (const e of history.entries) {
    const row = hBody.insertRow();
    cell(row, exportName(e));
    cell(row, e.status);
    cell(row, whenAgo(e.finished_at));
    cell(row, e.last_error || '');
  }
  labelCells($('history'));
  await refreshTypes();
}

// The log's own entry types, with how many entries each has: a free-text box let "Anchor" match nothing.
async function refreshTypes() {
  const answer = await api('GET', '/export/boatlog/types');
  const select = $('csv-type');
  const chosen = select.value;
  select.replaceChildren(new Option(`All types (${answer.entries})`, ''),
    ...answer.types.map((t) => new Option(`${t.type} (${t.entries})`, t.type)));
  select.value = answer.types.some((t) => t.type === chosen) ? chosen : '';
}

function refreshAll() {
  Promise.all([refreshBackups(), refreshSchedule(), refreshExports()]).catch(failed);
}

$('refresh').addEventListener('click', refreshAll);

$('process').addEventListener('click', async () => {
  say('');
  try {
    const r = await api('POST', '/export/queue/process');
    await refreshExports();
    const waiting = latest.queue.stats.pending + latest.queue.stats.retry;
    $('queue-stats').textContent = r.processed > 0
      ? `Processed ${r.processed}: ${r.completed} sent, ${r.retrying} to retry, ${r.failed} given up.`
      : waiting === 0 ? 'Nothing was waiting to be sent: the queue is empty.'
        : `Nothing was due yet: ${waiting} waiting for ${waiting === 1 ? 'its' : 'their'} next try (see "Next retry" below).`;
  } catch (error) {
    failed(error);
  }
});

$('generate').addEventListener('click', async () => {
  say('');
  try {
    await api('POST', '/export/generate');
    await refreshExports();
  } catch (error) {
    failed(error);
  }
});

// The CSV is a plain download by the browser: the session cookie goes with it, the filters in the address.
// The count comes first, so an empty range or From after To is said in words, not as a header-only file.
$('csv-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  say('');
  const query = new URLSearchParams();
  for (const name of ['from', 'to', 'type']) {
    const value = event.target.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  try {
    const range = new URLSearchParams([...query].filter(([name]) => name !== 'type'));
    const counts = await api('GET', `/export/boatlog/types?${range}`);
    const type = query.get('type');
    const entries = type ? (counts.types.find((t) => t.type === type)?.entries ?? 0) : counts.entries;
    if (entries === 0) {
      say(`The boat log has no ${type ? `"${type}" ` : ''}entries ${query.get('from') ? `from ${query.get('from')} ` : ''}${query.get('to') ? `to ${query.get('to')} ` : ''}: nothing to download. Widen the dates or choose another type.`);
      return;
    }
  } catch (error) {
    failed(error);
    return;
  }
  const link = document.createElement('a');
  query.set('key', keyFor('/export/boatlog/csv'));
  link.href = `/export/boatlog/csv?${query}`;
  link.setAttribute('download', '');
  document.body.append(link);
  link.click();
  link.remove();
});

// The QR code comes from the Pi (QRCoder, as SVG); parsed as an image, never run, and recoloured by the
// palette's CSS (night: black modules on a dim red quiet zone, still readable by a phone's camera).
function showQr(svgText) {
  const figure = $('pair-qr');
  const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
  if (parsed.localName !== 'svg') { figure.hidden = true; return; }
  const svg = document.importNode(parsed, true);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'QR code of the pairing link: scan it with the phone\'s camera');
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  const caption = document.createElement('figcaption');
  caption.textContent = 'Scan with the phone\'s camera';
  figure.replaceChildren(svg, caption);
  figure.hidden = false;
}

$('pair').addEventListener('click', async () => {
  say('');
  try {
    const pairing = await api('POST', '/api/backup/session/pairing', { origin: location.origin });
    const out = $('pair-link');
    out.replaceChildren();
    if (/^(localhost|127\.|\[::1\])/.test(location.hostname)) {
      out.append('This page is open as ', location.hostname, ', which a phone cannot reach: open it by the helm\'s network address (or run d3kos-backup pair ADDRESS) to make a link for a phone. ');
    }
    const a = document.createElement('a');
    a.href = pairing.url;
    a.textContent = pairing.url;
    const minutes = Math.round((new Date(pairing.expires).getTime() - Date.now()) / 60000);
    out.append(`Valid ${minutes} minutes, once: open it on the other device before ${new Date(pairing.expires).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: `, a);
    showQr(pairing.qr_svg);
  } catch (error) {
    failed(error);
  }
});

// A pairing link opened in a tab that shows the page already: only the part after '#' changes.
window.addEventListener('hashchange', start);
start();
