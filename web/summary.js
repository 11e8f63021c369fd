// "Is my data safe?": the answer first, in a skipper's words, from what the lists below already fetched.
// Each line says how things stand; a line that needs the owner says what to do. Ages ("2 hours ago") come
// from the browser's own Intl.RelativeTimeFormat, the schedule in words from cronstrue (vendored, MIT).
'use strict';

const latest = { backups: null, status: null, queue: null };

const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];

/** "2 hours ago", "in 9 hours", "now": the largest unit that fits. */
function ago(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return RELATIVE.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/** The date and, beside it, its age: "7 Dec 2026, 15:04 (2 hours ago)". */
function whenAgo(iso) {
  return iso ? `${new Date(iso).toLocaleString()} (${ago(iso)})` : '–';
}

/** The cron line as words, in the Pi's own time ("ship's time"); the cron line itself if it cannot say. */
function scheduleInWords(schedule) {
  let words = schedule.calendar;
  try {
    words = window.cronstrue.toString(schedule.calendar, { use24HourTimeFormat: true, verbose: true });
  } catch { /* an unusual line: shown as written */ }
  return `${words}, ship's time (${schedule.time_zone})`;
}

const DAY = 86400000;

function backupLines(backups, schedule) {
  const lines = [];
  const newest = backups[0];
  if (!newest) {
    lines.push({ state: 'todo', text: 'There is no backup on this Pi yet.', todo: 'Press "Create backup" below.' });
  } else {
    // Only an import is read back whole as it arrives; a backup made here is complete when listed (written
    // to a partial file, renamed at the end) with every file's checksum in it, and "Verify" reads it back.
    const checked = newest.kind === 'legacy' ? 'a d3kOS v0.9.1.2 backup: only its gzip checksum can be checked'
      : newest.kind === 'imported' ? 'checked whole when it arrived'
        : 'complete, with every file\'s checksum in it ("Verify" below reads it back whole)';
    const old = Date.now() - new Date(newest.created).getTime() > 2 * DAY;
    lines.push(old
      ? { state: 'todo', text: `The newest backup is from ${whenAgo(newest.created)}.`, todo: 'Create a backup now, and check that automatic backups are on.' }
      : { state: 'ok', text: `The newest backup was made ${ago(newest.created)} (${new Date(newest.created).toLocaleString()}), ${checked}.` });
  }
  const last = schedule.last_run;
  if (last && last.result !== 'succeeded') {
    lines.push({ state: 'todo', text: `The automatic backup ${ago(last.finished)} ${last.result === 'skipped' ? 'was skipped' : 'failed'}: ${last.error || 'no reason was given'}.`,
      todo: 'Create one by hand below; if it fails too, its message says why.' });
  }
  lines.push(schedule.enabled
    ? { state: 'ok', text: `Automatic backups: ${scheduleInWords(schedule)}; ${schedule.running ? 'one is running now' : `the next ${schedule.next_run ? ago(schedule.next_run) : 'is not planned yet'}`}.` }
    : { state: 'todo', text: 'Automatic backups are off.', todo: 'Turn them on with Backup:Schedule:Enabled in /etc/d3kos/backup.json.' });
  return lines;
}

function copyLines(targets) {
  if (targets.length === 0) {
    return [{ state: 'todo', text: 'No copy leaves the card: no USB drive or S3 storage is set up for copies.',
      todo: 'Add a copy target in /etc/d3kos/backup.json (see the documentation on copies): a card can fail at sea.' }];
  }
  return targets.map((t) => {
    const copy = t.last_copy;
    if (t.unavailable) return { state: 'todo', text: `Copies to ${t.name} cannot be made: ${t.unavailable}`, todo: `See ${t.name} under "Automatic backups and copies".` };
    if (!copy) return { state: 'todo', text: `Nothing has been copied to ${t.name} yet.`, todo: `Press "Copy newest backup" for ${t.name} below.` };
    if (!copy.succeeded) return { state: 'todo', text: `The last copy to ${t.name} failed ${ago(copy.time)}: ${copy.error}`, todo: `Press "Copy newest backup" for ${t.name} to try again.` };
    return { state: 'ok', text: `A copy last left the card for ${t.name} ${ago(copy.time)} (${new Date(copy.time).toLocaleString()}).` };
  });
}

/** Where sent exports went: a folder on this Pi (the default) is no shore. */
function exportsWhere(queue) {
  return queue.delivery === 'folder'
    ? 'Exports are kept on this Pi for pickup: no shore address is set.'
    : 'Exports go to shore.';
}

function exportLine(queue) {
  const st = queue.stats;
  if (queue.delivery === 'folder') {
    return { state: 'note', text: `${exportsWhere(queue)} ${st.completed} kept so far.`,
      todo: 'To send them ashore, set Central:Url (sudo systemctl edit d3kos-export-manager; see the export documentation).' };
  }
  if (st.failed > 0) return { state: 'todo', text: `${st.failed} export${st.failed === 1 ? '' : 's'} gave up reaching shore.`, todo: 'See "Exports to shore" below for the error; then "Generate export" again.' };
  if (st.retry > 0 || st.pending > 0) {
    return { state: 'todo', text: `${st.retry + st.pending} export${st.retry + st.pending === 1 ? ' is' : 's are'} waiting to reach shore.`,
      todo: 'They are tried again on their own; check the boat\'s internet connection, or press "Process queue now".' };
  }
  return { state: 'ok', text: `Exports are reaching shore: ${st.completed} sent, none waiting.` };
}

const MARKS = { ok: 'OK', todo: 'To do', note: 'Note' };
const PROBLEM_MARKS = { alarm: 'Alarm', warn: 'Warning', alert: 'Note' };

/** One line: its mark, its sentence and, when the owner must act, what to do. */
function summaryItem(state, mark, text, todo) {
  const li = document.createElement('li');
  li.className = state;
  const markSpan = document.createElement('span');
  markSpan.className = 'mark';
  markSpan.textContent = mark;
  const textSpan = document.createElement('span');
  textSpan.textContent = ` ${text}`;
  li.append(markSpan, textSpan);
  if (todo) {
    const what = document.createElement('span');
    what.className = 'what-to-do';
    what.textContent = ` What to do: ${todo}`;
    li.append(what);
  }
  return li;
}

/** The active problems, as the backup API derives them (the same list Signal K and email get), first on the page. */
function renderProblems(problems) {
  const list = $('problems');
  list.replaceChildren(...problems.map((p) => summaryItem(p.severity, PROBLEM_MARKS[p.severity] || p.severity, p.message, p.what_to_do)));
  list.hidden = problems.length === 0;
}

function renderSummary() {
  const { backups, status, queue } = latest;
  if (status) renderProblems(status.problems || []);
  if (!backups || !status || !queue) return;
  const lines = [...backupLines(backups, status.schedule), ...copyLines(status.targets), exportLine(queue)];
  // The problems mostly restate lines below (a failed copy is both): the verdict counts the longer list, not both.
  const todo = Math.max(lines.filter((l) => l.state === 'todo').length,
    (status.problems || []).filter((p) => p.severity !== 'alert').length);
  $('summary-verdict').textContent = todo === 0
    ? 'Yes: there is a recent backup, and a copy has left the card.'
    : `Not yet: ${todo} thing${todo === 1 ? ' needs' : 's need'} doing.`;
  $('summary-verdict').className = todo === 0 ? 'verdict ok' : 'verdict todo';
  $('summary-items').replaceChildren(...lines.map((line) => summaryItem(line.state, MARKS[line.state], line.text, line.todo)));
}
