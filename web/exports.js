// The owner's page: exports to shore, the queue and the boat-log CSV.
// The session, the requests and the helpers are in app.js, loaded first.
'use strict';

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
