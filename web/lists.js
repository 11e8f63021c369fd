// The owner's page: the backups, the schedule, the copy targets and their copies.
// The session, the requests and the helpers are in app.js, loaded first.
'use strict';

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

/** Email's state in one line: who gets it, what waits, why the last try failed. */
function emailInWords(email) {
  if (!email.enabled) return 'not set up (see the documentation on notifications)';
  const waiting = email.waiting === 0 ? 'nothing waiting' : `${email.waiting} waiting to be sent`;
  return `to ${email.to.join(', ')}: ${waiting}${email.last_error ? `; last try: ${email.last_error}` : ''}`;
}

/** "Send a test email": the mail server's answer, said plainly. */
async function testEmail() {
  $('email-test-result').textContent = 'Sending…';
  try {
    const answer = await api('POST', '/api/backup/email/test');
    $('email-test-result').textContent = answer.sent
      ? `Sent: the mail server took the test email for ${answer.to.join(', ')}.`
      : `Not sent: ${answer.error}`;
  } catch (error) {
    $('email-test-result').textContent = `Not sent: ${error.message}`;
  }
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
    ['Alarms on the helm (Signal K)', status.signal_k.sentence],
    ['Email ashore', emailInWords(status.email)],
  ];
  const old = status.old_state;
  if (old) {
    items.push(['Last restore', old.state === 'failed' ? old.error
      : old.state === 'writing' ? `the previous state is being kept in the safety backup ${old.safety_backup}`
      : `the previous state is set aside; the next start of the backup service keeps it in ${old.safety_backup}`]);
  }
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

$('email-test').addEventListener('click', testEmail);

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
