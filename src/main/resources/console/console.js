// The gateway's operator console: one page, three views (dashboard, requests, keys) over the admin API.
// Everything it shows comes from /admin/* on this origin; the admin key (when needed) is kept in sessionStorage
// and sent as Authorization: Bearer, never in a URL. Text from the gateway is set with textContent only.
'use strict';

const KEY_STORE = 'gatewayAdminKey';
const POLL_MS = 2000;
const USAGE_RETRY_MS = 30000;

const state = {
  settings: null, // /console/settings.json: auth_enabled, admin_key_set, admin_key_env
  view: null,
  timer: null,
  lastTotals: null, // {at, total, perDeployment: {name: requests}} of the previous poll, for requests/s
  charts: {},
  usageRetryAt: 0,
  selected: null,
};

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const $ = (sel) => document.querySelector(sel);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    if (c instanceof Node) {
      const td = document.createElement('td');
      td.appendChild(c);
      tr.appendChild(td);
    } else {
      tr.appendChild(el('td', c === undefined || c === null ? '' : c));
    }
  }
  return tr;
}

function fmt(n, digits) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  return digits === undefined ? String(n) : Number(n).toFixed(digits);
}

// ---- admin key --------------------------------------------------------------------------------------------

/** Whether a view's calls need the admin key: all of them when auth is on; the key admin API and replay always. */
function needsKey(view) {
  return state.settings.auth_enabled || view === 'keys';
}

function adminKey() {
  return sessionStorage.getItem(KEY_STORE);
}

function askForKey(reason) {
  stopPolling();
  $('#login-reason').textContent = reason;
  $('#login').hidden = false;
  document.querySelectorAll('.page').forEach((p) => { p.hidden = true; });
  $('#admin-key').focus();
}

function notice(text, isError) {
  const n = $('#notice');
  n.hidden = !text;
  n.textContent = text || '';
  n.className = isError ? 'error' : '';
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const key = adminKey();
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try {
    json = await r.json();
  } catch (e) {
    json = null;
  }
  if (!r.ok) {
    const err = (json && json.error) || {};
    throw new ApiError(r.status, err.code || '', err.message || r.status + ' ' + r.statusText);
  }
  return json;
}

/** An admin call's failure: a refused key asks for it again; anything else is shown. */
function failed(e) {
  if (e instanceof ApiError && e.status === 401) {
    sessionStorage.removeItem(KEY_STORE);
    askForKey('The admin key was not accepted: ' + e.message);
  } else if (e instanceof ApiError && e.code === 'admin_disabled') {
    stopPolling();
    notice(e.message, true);
  } else {
    notice(e.message, true);
  }
}

// ---- views ------------------------------------------------------------------------------------------------

function show(view) {
  stopPolling();
  state.view = view;
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === view));
  notice('');
  if (needsKey(view) && !adminKey()) {
    if (!state.settings.admin_key_set) {
      document.querySelectorAll('.page').forEach((p) => { p.hidden = true; });
      notice('The admin API is off: set the environment variable ' + state.settings.admin_key_env
        + ' (or gateway.auth.admin-key-file) to an admin key and restart the gateway.', true);
      return;
    }
    askForKey(state.settings.auth_enabled ? 'This gateway requires the admin key (gateway.auth.enabled).'
      : 'The key admin API requires the admin key.');
    return;
  }
  $('#login').hidden = true;
  document.querySelectorAll('.page').forEach((p) => { p.hidden = p.id !== view; });
  $('#forget-key').hidden = !adminKey();
  const refresh = { dashboard: refreshDashboard, requests: refreshRequests, keys: refreshKeys }[view];
  const tick = async () => {
    if (state.view !== view) return;
    try {
      await refresh();
      $('#live').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      failed(e);
      return;
    }
    if (state.view === view && view !== 'keys') state.timer = setTimeout(tick, POLL_MS);
  };
  tick();
}

function stopPolling() {
  if (state.timer) clearTimeout(state.timer);
  state.timer = null;
}

// ---- dashboard --------------------------------------------------------------------------------------------

async function refreshDashboard() {
  const status = await api('GET', '/admin/providers');
  const now = performance.now();
  const prev = state.lastTotals;
  const seconds = prev ? (now - prev.at) / 1000 : 0;
  for (const cell of document.querySelectorAll('[data-total]')) {
    cell.textContent = fmt(status.totals[cell.dataset.total]);
  }
  $('#rate').textContent = prev && seconds > 0 ? fmt((status.totals.total - prev.total) / seconds, 2) : '–';
  const perDeployment = {};
  const body = $('#providers tbody');
  body.replaceChildren();
  for (const p of status.providers) {
    perDeployment[p.deployment] = p.requests;
    const health = p.health == null ? el('span', 'not probed')
      : el('span', (p.health.healthy ? 'healthy' : 'unhealthy') + ' ' + p.health.latency_ms + ' ms',
        p.health.healthy ? 'healthy' : 'unhealthy');
    if (p.health && p.health.error) health.title = p.health.error;
    const breaker = el('span', p.breaker.state + ' (' + fmt(Math.max(0, p.breaker.failure_rate_percent), 0) + ' %)',
      'state-' + p.breaker.state);
    const rate = prev && seconds > 0 && prev.perDeployment[p.deployment] !== undefined
      ? fmt((p.requests - prev.perDeployment[p.deployment]) / seconds, 2) : '–';
    const tr = row([p.deployment, p.provider, p.model, p.status, health, breaker,
      fmt(Math.ceil(p.cooldown_remaining_ms / 1000)), p.requests, rate, fmt(p.success_rate_percent), p.fallbacks,
      fmt(p.latency_ms.p50), fmt(p.latency_ms.p95), fmt(p.latency_ms.p99)]);
    tr.dataset.deployment = p.deployment;
    // the cells the browser test compares with /admin/providers
    ['deployment', 'provider', 'model', 'status', 'health', 'breaker', 'cooldown_s', 'requests', 'rate',
      'success_rate_percent', 'fallbacks', 'p50', 'p95', 'p99'].forEach((name, i) => { tr.children[i].dataset.field = name; });
    body.appendChild(tr);
  }
  state.lastTotals = { at: now, total: status.totals.total, perDeployment };
  if (Date.now() >= state.usageRetryAt) await refreshUsage();
}

function served(path) {
  return state.settings.endpoints.includes(path);
}

async function refreshUsage() {
  $('.charts').hidden = !served('/admin/usage');
  if (!served('/admin/usage')) {
    $('#usage-note').textContent = 'usage charts need the request log (/admin/usage is not served by this gateway)';
    return;
  }
  let usage;
  try {
    usage = await api('GET', '/admin/usage?minutes=60');
  } catch (e) {
    if (e instanceof ApiError && e.status !== 401) {
      // the request log is off, or not on this gateway: the rest of the dashboard still updates
      $('#usage-note').textContent = 'usage not available: ' + e.message;
      state.usageRetryAt = Date.now() + USAGE_RETRY_MS;
      return;
    }
    throw e;
  }
  $('#usage-note').textContent = usage.series.length ? 'per ' + usage.bucket_seconds + ' s' : 'no requests logged yet';
  const charts = [
    ['tokens-provider', 'by_provider', 'tokens'], ['cost-provider', 'by_provider', 'cost_usd'],
    ['tokens-model', 'by_model', 'tokens'], ['cost-model', 'by_model', 'cost_usd'],
    ['tokens-key', 'by_key', 'tokens'], ['cost-key', 'by_key', 'cost_usd'],
  ];
  for (const [id, group, field] of charts) chart(id, usage.series, group, field);
}

/** One uPlot line chart of `field` per name in `group` over the usage buckets (rebuilt when the names change). */
function chart(id, series, group, field) {
  const names = [...new Set(series.flatMap((b) => Object.keys(b[group] || {})))].sort();
  const data = [series.map((b) => b.t)];
  for (const n of names) data.push(series.map((b) => ((b[group] || {})[n] || {})[field] || 0));
  const target = document.getElementById('chart-' + id);
  const existing = state.charts[id];
  const signature = names.join('\u0000');
  if (existing && existing.signature === signature) {
    existing.plot.setData(data);
    return;
  }
  if (existing) existing.plot.destroy();
  target.replaceChildren();
  const palette = ['#2f6fdf', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5c940d'];
  const opts = {
    width: Math.max(360, target.clientWidth || 440), height: 200,
    series: [{}].concat(names.map((n, i) => ({ label: n, stroke: palette[i % palette.length], width: 2 }))),
    axes: [{}, { size: 60 }],
    scales: { x: { time: true } },
  };
  state.charts[id] = { signature, plot: new uPlot(opts, data, target) };
}

// ---- requests ---------------------------------------------------------------------------------------------

function filters() {
  const params = new URLSearchParams({ limit: '100' });
  for (const input of $('#request-filters').elements) {
    if (input.name && input.value.trim()) params.set(input.name, input.value.trim());
  }
  return params;
}

async function refreshRequests() {
  if (!served('/admin/requests')) {
    $('#requests-note').textContent = 'the request log is not served by this gateway (/admin/requests)';
    return;
  }
  let list;
  try {
    list = await api('GET', '/admin/requests?' + filters());
  } catch (e) {
    if (e instanceof ApiError && e.status !== 401) {
      $('#requests-note').textContent = 'request log not available: ' + e.message;
      return;
    }
    throw e;
  }
  $('#requests-note').textContent = list.data.length + ' most recent' + (list.data.length === 100 ? ' (limit 100)' : '');
  const body = $('#request-list tbody');
  body.replaceChildren();
  for (const r of list.data) {
    const outcome = el('span', r.outcome, r.outcome === 'ok' ? 'outcome-ok' : 'outcome-bad');
    const tr = row([r.time, r.request_id, r.key_id, r.api, r.chain, r.model, r.provider, outcome, r.status,
      r.latency_ms, fmt(r.prompt_tokens) + ' / ' + fmt(r.completion_tokens), fmt(r.cost_usd, 6),
      (r.attempts || []).map((a) => a.provider).join(' → ')]);
    tr.className = 'clickable' + (r.request_id === state.selected ? ' selected' : '');
    tr.dataset.requestId = r.request_id;
    tr.addEventListener('click', () => openRequest(r.request_id).catch(failed));
    body.appendChild(tr);
  }
}

function attemptRows(tbody, attempts) {
  tbody.replaceChildren();
  for (const a of attempts || []) {
    tbody.appendChild(row([a.provider, el('span', a.outcome, a.outcome === 'ok' ? 'outcome-ok' : 'outcome-bad'),
      a.status, a.latency_ms, a.error]));
  }
}

async function openRequest(id) {
  const r = await api('GET', '/admin/requests/' + encodeURIComponent(id));
  state.selected = id;
  document.querySelectorAll('#request-list tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.requestId === id));
  $('#request-detail').hidden = false;
  $('#detail-id').textContent = r.request_id;
  const dl = $('#detail-fields');
  dl.replaceChildren();
  const fields = [['time', r.time], ['key', r.key_id], ['ingress', r.ingress], ['api', r.api], ['chain', r.chain],
    ['model', r.model], ['answered by', r.provider], ['outcome', r.outcome], ['status', r.status],
    ['latency ms', r.latency_ms], ['tokens in / out', fmt(r.prompt_tokens) + ' / ' + fmt(r.completion_tokens)],
    ['cost USD', fmt(r.cost_usd, 6)], ['finish reason', r.finish_reason]];
  if (r.source) fields.push(['source', r.source.topic + '/' + r.source.partition + '@' + r.source.offset]);
  for (const [k, v] of fields) {
    dl.appendChild(el('dt', k));
    dl.appendChild(el('dd', v === undefined || v === null ? '' : v));
  }
  attemptRows($('#original-attempts tbody'), r.attempts);
  $('#replay-result').hidden = true;
  $('#replay').disabled = r.replayable === false || !served('/admin/replay');
  $('#replay-note').textContent = !served('/admin/replay') ? 'replay is not served by this gateway'
    : r.replayable === false ? 'not replayable (no body logged, no source record)' : '';
}

async function replay(ev) {
  ev.preventDefault();
  if (!state.selected) return;
  if (!adminKey()) {
    if (!state.settings.admin_key_set) {
      notice('Replay requires the admin key: set ' + state.settings.admin_key_env + ' on the gateway.', true);
      return;
    }
    askForKey('Replay requires the admin key.');
    return;
  }
  const chain = $('#replay-form').elements.chain.value.trim();
  const body = { request_id: state.selected };
  if (chain) body.chain = chain;
  $('#replay-note').textContent = 'replaying…';
  $('#replay').disabled = true;
  try {
    const out = await api('POST', '/admin/replay', body);
    const r = out.replay;
    $('#replay-result').hidden = false;
    $('#replay-id').textContent = r.request_id;
    attemptRows($('#replay-attempts tbody'), r.attempts);
    $('#replay-summary').textContent = 'chain ' + r.chain + ', answered by ' + (r.provider || 'nobody') + ', '
      + r.outcome + ' (' + r.status + ') in ' + r.latency_ms + ' ms, ' + fmt(r.cost_usd, 6) + ' USD';
    $('#replay-answer').textContent = r.answer || '';
    $('#replay-note').textContent = '';
  } catch (e) {
    $('#replay-note').textContent = 'replay failed: ' + e.message;
    if (e instanceof ApiError && e.status === 401) failed(e);
  } finally {
    $('#replay').disabled = false;
  }
}

// ---- keys -------------------------------------------------------------------------------------------------

async function refreshKeys() {
  const list = await api('GET', '/admin/keys');
  const body = $('#key-list tbody');
  body.replaceChildren();
  for (const k of list.keys) {
    const u = k.usage || {};
    const spent = u.month_cost_usd || 0;
    const bar = el('div', null, 'bar');
    const fill = el('span');
    if (k.monthly_budget_usd > 0) {
      fill.style.width = Math.min(100, (spent * 100) / k.monthly_budget_usd) + '%';
      bar.classList.toggle('over', spent >= k.monthly_budget_usd);
      bar.title = fmt((spent * 100) / k.monthly_budget_usd, 1) + ' % of the budget';
    } else {
      bar.title = 'no budget';
    }
    bar.appendChild(fill);
    let revoke = '';
    if (!k.revoked) {
      revoke = el('button', 'Revoke');
      revoke.type = 'button';
      revoke.dataset.revoke = k.id;
      revoke.addEventListener('click', () => confirmRevoke(revoke, k.id));
    }
    const tr = row([k.id, k.owner, (k.chains || []).join(', ') || 'any', k.rpm || 'unlimited', fmt(u.month_requests),
      fmt(spent, 6), k.monthly_budget_usd > 0 ? fmt(k.monthly_budget_usd, 2) : 'none', bar,
      k.revoked ? 'revoked' : 'active', revoke]);
    tr.dataset.keyId = k.id;
    tr.children[8].dataset.field = 'state';
    body.appendChild(tr);
  }
}

/** Revoking takes two clicks (no blocking confirm dialog): the first arms the button for 5 s. */
function confirmRevoke(button, id) {
  if (button.dataset.armed !== 'true') {
    button.dataset.armed = 'true';
    button.textContent = 'Confirm revoke';
    setTimeout(() => { button.dataset.armed = 'false'; button.textContent = 'Revoke'; }, 5000);
    return;
  }
  button.disabled = true;
  api('DELETE', '/admin/keys/' + encodeURIComponent(id))
    .then(() => { notice('Key ' + id + ' revoked: its next request gets 401.'); return refreshKeys(); })
    .catch(failed);
}

function list(text) {
  return text.split(',').map((s) => s.trim()).filter((s) => s);
}

async function createKey(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const body = { owner: f.owner.value.trim(), chains: list(f.chains.value), models: list(f.models.value),
    rpm: Number(f.rpm.value || 0), monthly_budget_usd: Number(f.monthly_budget_usd.value || 0) };
  try {
    const created = await api('POST', '/admin/keys', body);
    $('#created-key').hidden = false;
    $('#created-owner').textContent = created.owner;
    $('#created-secret').textContent = created.key;
    $('#created-secret').dataset.keyId = created.id;
    ev.target.reset();
    await refreshKeys();
  } catch (e) {
    failed(e);
  }
}

// ---- start ------------------------------------------------------------------------------------------------

function route() {
  const view = (location.hash || '#dashboard').slice(1);
  show(['dashboard', 'requests', 'keys'].includes(view) ? view : 'dashboard');
}

async function start() {
  state.settings = await (await fetch('/console/settings.json', { cache: 'no-store' })).json();
  $('#login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY_STORE, $('#admin-key').value.trim());
    $('#admin-key').value = '';
    route();
  });
  $('#forget-key').addEventListener('click', () => { sessionStorage.removeItem(KEY_STORE); route(); });
  $('#request-filters').addEventListener('submit', (ev) => { ev.preventDefault(); refreshRequests().catch(failed); });
  $('#replay-form').addEventListener('submit', replay);
  $('#key-form').addEventListener('submit', createKey);
  window.addEventListener('hashchange', route);
  document.addEventListener('visibilitychange', () => { if (!document.hidden && !state.timer) route(); });
  route();
}

start().catch((e) => notice('The console could not start: ' + e.message, true));
