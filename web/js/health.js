// Health & Audit: Sentinel audits, Healer directives (queued, executed, failed or refused, each
// with its full diff; Approve, Reject, Rollback with the token), gate blocks, recent errors, the
// control audit trail.
import { api, post, stream, setToken, token, time, el, setText, table, showError } from './common.js';

const when = (o) => time(o.timestamp || o.t || o.time || o.ts);
const text = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const summary = (o) => text(o.message || o.finding || o.summary || o.action || o.description || o.type);

function failureLog(d) {
  const log = d.failure_log || d.error || d.failure;
  return log ? el('details', {}, el('summary', {}, 'View Failure Log'), el('pre', {}, text(log))) : '';
}

// Approve, Reject and Rollback: each a POST with the operator's token (the server audits it).
async function decide(action, id) {
  const input = document.getElementById('token');
  if (input.value) setToken(input.value);
  try {
    await post(`/api/healer/${action}/${encodeURIComponent(id)}`);
    const done = { approve: 'approved', reject: 'rejected', rollback: 'rolled back' }[action];
    setText('approve-msg', `Directive ${id} ${done}`, 'dim');
    refresh();
  } catch (err) {
    setText('approve-msg', err.status === 401 ? 'Refused: the token is missing or wrong' : err.message, 'error');
  }
}

// The change in full: the committed diff once it ran, else the proposed patch, else the change.
const diffOpen = new Set(); // stays open across the 5 s refresh
function diffOf(d) {
  const text = d.diff || (d.change && d.change.patch) || (d.change ? JSON.stringify(d.change, null, 2) : '');
  if (!text) return '';
  const det = el('details', { class: 'diff', ontoggle: (e) => (e.target.open ? diffOpen.add(d.id) : diffOpen.delete(d.id)) },
    el('summary', {}, d.diff || (d.change && d.change.patch) ? 'View Diff' : 'View Change'), el('pre', {}, text));
  det.open = diffOpen.has(d.id);
  return det;
}

const button = (label, action, d, cls) => el('button', { class: cls || '', onclick: () => decide(action, d.id) }, label);
const buttons = (...list) => el('span', { class: 'actions' }, ...list.filter(Boolean));

// Statuses (docs/operations.md 4.7): Queued and PENDING_EXECUTION wait; Executed waits for
// promotion (approve merges its branch); Promoted can be rolled back; RolledBack, Rejected are
// done; Failed keeps its failure log; Refused (outside the Healer's boundary) says why.
const replay = (d) => (d.replay && d.replay.candidate
  ? `trades ${d.replay.baseline.trades} → ${d.replay.candidate.trades}, pnl ${d.replay.baseline.pnl} → ${d.replay.candidate.pnl}` : '');

function directives(list) {
  const state = (d) => (d.status || 'queued').toLowerCase();
  const waiting = ['queued', 'pending_execution'];
  const done = ['executed', 'promoted', 'rolledback', 'rejected'];
  const bad = ['failed', 'refused'];
  const cols = [['id', (d) => text(d.id)], ['severity', (d) => text(d.severity)], ['symbol', (d) => text(d.symbol)],
    ['directive', (d) => text(d.rationale || d.directive || d.title || d.description)],
    ['change', (d) => text(d.kind ? `${d.kind} ${d.target || ''}` : '')], ['diff', diffOf]];
  table('dir-queued', [...cols, ['auto', (d) => (d.can_auto_apply ? 'yes' : 'no')], ['status', (d) => '⏳ ' + text(d.status || 'Queued')],
    ['', (d) => buttons(state(d) === 'queued' && button('Approve', 'approve', d), button('Reject', 'reject', d, 'danger'))]],
    list.filter((d) => waiting.includes(state(d)) || !done.concat(bad).includes(state(d))), 'none queued');
  table('dir-executed', [...cols, ['status', (d) => '✅ ' + text(d.status)], ['branch', (d) => text(d.branch || d.merge_commit)], ['replay', replay],
    ['', (d) => buttons(state(d) === 'executed' && button('Promote', 'approve', d), state(d) === 'executed' && button('Reject', 'reject', d, 'danger'),
      state(d) === 'promoted' && button('Rollback', 'rollback', d, 'danger'))]],
    list.filter((d) => done.includes(state(d))), 'none executed');
  table('dir-failed', [...cols, ['error', (d) => (state(d) === 'refused' ? '⛔ Refused: ' : '❌ ') + text(d.error)], ['failure', failureLog],
    ['', (d) => buttons(button('Reject', 'reject', d, 'danger'))]], list.filter((d) => bad.includes(state(d))), 'none failed');
}

async function refresh() {
  try {
    const [h, g, errs] = await Promise.all([api('/api/health'), api('/api/gates'), api('/api/errors')]);
    table('sentinel', [['time', when], ['severity', (o) => text(o.severity || o.level)], ['finding', summary]],
      h.sentinel, 'no Sentinel activity yet');
    directives(h.directives);
    table('healer-history', [['time', when], ['id', (o) => text(o.id || o.directive_id)], ['status', (o) => text(o.status)],
      ['detail', (o) => text(o.message || o.result)], ['failure', failureLog]], h.healer_history, 'no Healer history yet');
    table('gates', [['gate', (r) => r[0]], ['blocked', (r) => r[1]]], Object.entries(g.by_gate), 'nothing blocked');
    table('rejects', [['reason', (r) => r[0]], ['rejected', (r) => r[1]]], Object.entries(g.rejects_by_reason), 'no rejects');
    table('errors', [['time', (e) => time(e.time)], ['level', (e) => el('span', { class: e.level === 'ERROR' ? 'bad' : 'warn' }, e.level)],
      ['component', (e) => e.component], ['message', (e) => e.message]], errs, 'no errors or warnings');
    table('audit', [['time', when], ['action', (o) => text(o.action)], ['by', (o) => text(o.by)],
      ['detail', (o) => text(o.id ?? o.orders_cancelled)]], h.control_audit, 'no control actions yet');
    showError('error', null);
  } catch (err) { showError('error', err); }
}

document.getElementById('token').value = token();
refresh();
setInterval(refresh, 5000);
stream({});
