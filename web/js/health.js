// Health & Audit: Sentinel audits, Healer directives (queued, executed, failed with the failure
// log), gate blocks, recent errors, the control audit trail.
import { api, post, stream, setToken, token, time, el, setText, table, showError } from './common.js';

const when = (o) => time(o.timestamp || o.t || o.time || o.ts);
const text = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const summary = (o) => text(o.message || o.finding || o.summary || o.action || o.description || o.type);

function failureLog(d) {
  const log = d.failure_log || d.error || d.failure;
  return log ? el('details', {}, el('summary', {}, 'View Failure Log'), el('pre', {}, text(log))) : '';
}

async function approve(id) {
  const input = document.getElementById('token');
  if (input.value) setToken(input.value);
  try {
    await post(`/api/healer/approve/${encodeURIComponent(id)}`);
    setText('approve-msg', `Directive ${id} approved`);
    refresh();
  } catch (err) {
    setText('approve-msg', err.status === 401 ? 'Refused: the token is missing or wrong' : err.message, 'error');
  }
}

// Statuses (docs/operations.md 4.7): Queued and PENDING_EXECUTION wait; Executed waits for
// promotion (approve merges its branch); Promoted, RolledBack, Rejected are done; Failed keeps
// its failure log.
const replay = (d) => (d.replay && d.replay.candidate
  ? `trades ${d.replay.baseline.trades} → ${d.replay.candidate.trades}, pnl ${d.replay.baseline.pnl} → ${d.replay.candidate.pnl}` : '');

function directives(list) {
  const state = (d) => (d.status || 'queued').toLowerCase();
  const waiting = ['queued', 'pending_execution'];
  const done = ['executed', 'promoted', 'rolledback', 'rejected'];
  const cols = [['id', (d) => text(d.id)], ['severity', (d) => text(d.severity)], ['symbol', (d) => text(d.symbol)],
    ['directive', (d) => text(d.rationale || d.directive || d.title || d.description)],
    ['change', (d) => text(d.kind ? `${d.kind} ${d.target || ''}` : '')]];
  table('dir-queued', [...cols, ['auto', (d) => (d.can_auto_apply ? 'yes' : 'no')], ['status', (d) => '⏳ ' + text(d.status || 'Queued')],
    ['', (d) => (state(d) === 'queued' ? el('button', { onclick: () => approve(d.id) }, 'Approve') : '')]],
    list.filter((d) => waiting.includes(state(d)) || !done.concat(['failed']).includes(state(d))), 'none queued');
  table('dir-executed', [...cols, ['status', (d) => '✅ ' + text(d.status)], ['branch', (d) => text(d.branch || d.merge_commit)], ['replay', replay],
    ['', (d) => (state(d) === 'executed' ? el('button', { onclick: () => approve(d.id) }, 'Promote') : '')]],
    list.filter((d) => done.includes(state(d))), 'none executed');
  table('dir-failed', [...cols, ['error', (d) => '❌ ' + text(d.error)], ['failure', failureLog]], list.filter((d) => state(d) === 'failed'), 'none failed');
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
