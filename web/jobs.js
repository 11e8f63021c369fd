// The owner's page: long operations with their progress, confirmations and uploads.
// The session, the requests and the helpers are in app.js, loaded first.
'use strict';

// ---- Activity: one long operation at a time, with its progress ----

const PHASES = {
  'backing up': 'Backing up', finishing: 'Finishing the archive', checking: 'Checking', restoring: 'Restoring',
  'switching over': 'Stopping the services and switching over', starting: 'Starting', uploading: 'Uploading', verifying: 'Checking the upload',
  copying: 'Copying', fetching: 'Fetching from the bucket',
  'preparing the copy': 'Preparing the copy (unpacking the backup for the repository)',
  'keeping the old state': 'Keeping the previous state in a safety backup (the boat is already running again)',
  'waiting for the safety backup of the last restore': 'Waiting for the safety backup of the last restore to be written',
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

// Polls a job until it ends, or until answered(job) says what it made is there (a restore answers once the
// services are back, and goes on keeping the old state).
async function runJob(url, body, answered = () => false) {
  busy(true);
  $('activity-result').replaceChildren();
  try {
    let job = await api('POST', url, body);
    while (job.state === 'running' && !answered(job)) {
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
  const text = `${name} replaces the boat's configuration and data. The current state is kept in a safety backup.` +
    (legacy ? ' It was made by d3kOS v0.9.1.2 and has no per-file checksums: only its gzip checksum and the entry checks can be applied.' : '');
  if (!(await confirmed('Restore this backup?', text, 'Restore', true))) return;
  say('');
  try {
    let job = await runJob('/api/backup/jobs/restore', { backup_file: name, confirm: true, accept_no_checksums: legacy }, (j) => j.restore);
    const lines = (r, kept) => [
      `Files restored: ${r.files_restored}; the boat's services are running again.`,
      r.installation_id_kept
        ? 'This Pi is still known as itself: the backup came from another Pi, and this one kept its own identity.'
        : 'This Pi is still known as itself: the backup was made on it.',
      kept,
      ...r.warnings,
    ];
    finished(`Restored ${job.restore.backup_file}`, lines(job.restore, `Safety backup of the previous state: ${job.restore.safety_backup}, being written…`));
    // The previous state is kept while the boat runs again; the page follows it to the end.
    while (job.state === 'running') {
      activity(job.phase, job.done, job.total);
      await pause(500);
      job = await poll(job.id);
    }
    $('activity').hidden = true;
    const r = job.restore;
    finished(`Restored ${r.backup_file}`, lines(r, r.safety_backup_state === 'failed'
      ? `The previous state could not be kept: ${r.safety_backup_error}`
      : `Safety backup of the previous state: ${r.safety_backup}, written.`));
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
