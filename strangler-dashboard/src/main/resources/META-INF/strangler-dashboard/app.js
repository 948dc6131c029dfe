/*
 * Strangler migration dashboard. Plain JavaScript, no build step. Reads the gateway's admin API
 * and the dashboard endpoints (same management port) with the admin token kept in
 * sessionStorage (this tab only). Polls every second; rates, error rates and p99 are computed
 * here from the differences between cumulative counters.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'strangler.dashboard.token';
  var ACTOR_KEY = 'strangler.dashboard.actor';
  var POLL_MS = 1000;
  var SLOW_EVERY = 3;          // audit, pipelines and shadow samples every third poll
  var HISTORY_SECONDS = 300;   // the charts show the last five minutes
  var RATE_WINDOW = 10;        // seconds behind each point of the error-rate and p99 charts
  var TARGETS = [['legacy', 'legacy'], ['extracted', 'new']];
  var MODES = ['legacy', 'shadow', 'reads', 'canary', 'extracted'];

  var state = {
    running: false, timer: null, ticks: 0, inFlight: false,
    settings: null, routes: [], details: {}, history: [], cards: {},
    pipelines: null, pipelineHistory: {}, syncProblem: null, verifications: {}
  };

  // ---------- small helpers ----------

  function byId(id) { return document.getElementById(id); }

  /** Builds an element; children are nodes or text (never parsed as HTML). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') { node.textContent = attrs[k]; }
        else if (k === 'className') { node.className = attrs[k]; }
        else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) { node.setAttribute(k, attrs[k]); }
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) { continue; }
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function fmt(n, digits) {
    if (n === null || n === undefined || isNaN(n)) { return '–'; }
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  function percentText(p) { return fmt(p, 2) + ' %'; }

  function modeText(mode, percent) {
    if (mode === 'reads') { return 'reads (safe requests on the new side, writes on legacy)'; }
    return mode === 'canary' ? 'canary ' + percentText(percent) : mode;
  }

  function timeText(iso) {
    if (!iso) { return '–'; }
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString('en-GB', { hour12: false });
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function actor() { return sessionStorage.getItem(ACTOR_KEY) || 'dashboard'; }

  // ---------- API ----------

  function ApiError(status, message, problem) {
    this.status = status; this.message = message; this.problem = problem;
  }

  function api(method, path, body, explicitToken) {
    var headers = {
      'Accept': 'application/json, application/problem+json',
      'Authorization': 'Bearer ' + (explicitToken || token() || ''),
      'X-Strangler-Actor': actor()
    };
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    return fetch(path, {
      method: method, headers: headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).catch(function (e) {
      throw new ApiError(0, 'cannot reach the gateway\'s management port (' + e.message + ')', null);
    }).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (ignored) { json = null; }
        if (!res.ok) {
          var detail = json && (json.detail || json.title) ? json.detail || json.title : res.statusText;
          throw new ApiError(res.status, res.status + ' ' + (json && json.title ? json.title + ': ' : '') + detail, json);
        }
        return json;
      });
    });
  }

  // ---------- sign in / out ----------

  function showLogin(message) {
    stop();
    byId('dashboard').hidden = true;
    byId('login').hidden = false;
    byId('sign-out').hidden = true;
    byId('status').textContent = 'Not signed in';
    var error = byId('login-error');
    error.hidden = !message;
    error.textContent = message || '';
    byId('token').value = '';
    byId('token').focus();
  }

  function signIn(event) {
    event.preventDefault();
    var candidate = byId('token').value.trim();
    var name = byId('actor').value.trim();
    var button = byId('sign-in');
    byId('login-error').hidden = true;
    button.disabled = true;
    byId('status').textContent = 'Checking the token…';
    api('GET', '/admin/routes', undefined, candidate).then(function () {
      sessionStorage.setItem(TOKEN_KEY, candidate);
      if (name) { sessionStorage.setItem(ACTOR_KEY, name); } else { sessionStorage.removeItem(ACTOR_KEY); }
      start();
    }).catch(function (e) {
      showLogin(e.status === 401
        ? 'Sign-in failed: the gateway refused this admin token (401 Unauthorized). Check strangler.gateway.admin.token or the gateway\'s token file.'
        : 'Sign-in failed: ' + e.message);
    }).then(function () { button.disabled = false; });
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(null);
  }

  // ---------- polling ----------

  function start() {
    byId('login').hidden = true;
    byId('dashboard').hidden = false;
    byId('sign-out').hidden = false;
    byId('status').textContent = 'Connecting…';
    state.running = true;
    state.ticks = 0;
    api('GET', '/admin/dashboard/settings').then(function (s) {
      state.settings = s;
      tick();
    }).catch(failed);
  }

  function stop() {
    state.running = false;
    if (state.timer) { clearTimeout(state.timer); state.timer = null; }
  }

  function failed(e) {
    if (e && e.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin('Signed out: the gateway refused the admin token (401 Unauthorized). It may have changed; sign in again.');
      return;
    }
    byId('status').textContent = 'Connection problem: ' + (e && e.message ? e.message : e) + ' – retrying';
    schedule();
  }

  function schedule() {
    if (state.running) {
      if (state.timer) { clearTimeout(state.timer); }
      state.timer = setTimeout(tick, POLL_MS);
    }
  }

  function tick() {
    if (!state.running || state.inFlight) { return; }
    state.inFlight = true;
    var slow = state.ticks % SLOW_EVERY === 0;
    state.ticks++;
    var calls = [api('GET', '/admin/routes'), api('GET', '/admin/dashboard/meters')];
    Promise.all(calls).then(function (r) {
      state.routes = r[0];
      record(r[1]);
      var more = slow ? slowCalls() : Promise.resolve();
      return more.then(function () {
        render();
        byId('status').textContent = 'Live · updated ' + new Date().toLocaleTimeString('en-GB', { hour12: false })
          + ' · signed in as ' + actor();
      });
    }).then(function () { state.inFlight = false; schedule(); },
      function (e) { state.inFlight = false; failed(e); });
  }

  function slowCalls() {
    var audit = api('GET', '/admin/audit?limit=50').then(renderAudit);
    var details = Promise.all(state.routes.map(function (route) {
      return api('GET', '/admin/routes/' + encodeURIComponent(route.name)).then(function (d) {
        state.details[route.name] = d;
      });
    }));
    var sync = loadPipelines();
    return Promise.all([audit, details, sync]);
  }

  function loadPipelines() {
    if (!state.settings || !state.settings.syncConfigured) {
      state.pipelines = null;
      state.syncProblem = 'cdc-sync not configured (set strangler.dashboard.sync.admin-url and strangler.dashboard.sync.token on the gateway)';
      return Promise.resolve();
    }
    return Promise.all([api('GET', '/admin/sync/pipelines'), api('GET', '/admin/sync/verifications')])
      .then(function (r) {
        var now = Date.now() / 1000;
        state.pipelines = r[0];
        state.verifications = r[1] || {};
        state.syncProblem = null;
        r[0].forEach(function (p) {
          var h = state.pipelineHistory[p.name] || [];
          h.push({ t: now, applied: p.eventsApplied });
          while (h.length > 11) { h.shift(); }
          state.pipelineHistory[p.name] = h;
        });
      }).catch(function (e) {
        if (e.status === 401) { throw e; }
        state.pipelines = null;
        state.syncProblem = 'cdc-sync: ' + e.message;
      });
  }

  // ---------- figures from counters ----------

  function record(meters) {
    state.history.push({ t: meters.at / 1000, routes: meters.routes || {} });
    state.bounds = meters.boundsMillis || [];
    while (state.history.length > HISTORY_SECONDS + RATE_WINDOW + 1) { state.history.shift(); }
  }

  function counters(sample, route, target) {
    var r = sample.routes[route];
    return r && r[target] ? r[target] : { count: 0, errors: 0, buckets: [] };
  }

  /** Requests/s, error rate (%) and p99 (ms) of one target between two samples; null where no requests. */
  function between(a, b, route, target) {
    var x = counters(a, route, target), y = counters(b, route, target);
    var dt = b.t - a.t, n = y.count - x.count;
    var result = { rps: dt > 0 ? Math.max(0, n) / dt : null, errorRate: null, p99: null, requests: n };
    if (n > 0) {
      result.errorRate = 100 * (y.errors - x.errors) / n;
      result.p99 = quantile(x.buckets, y.buckets, n, 0.99);
    }
    return result;
  }

  /** The bucket bound under which the quantile lies, from cumulative histogram counts. */
  function quantile(before, after, total, q) {
    var bounds = state.bounds;
    if (!bounds.length || !after.length) { return null; }
    var wanted = q * total;
    for (var i = 0; i < bounds.length; i++) {
      var below = (after[i] || 0) - (before[i] || 0);
      if (below >= wanted) { return bounds[i]; }
    }
    return bounds[bounds.length - 1]; // beyond the last bound: at least that
  }

  function seriesFor(route) {
    var h = state.history, xs = [], out = {};
    TARGETS.forEach(function (t) { out[t[0]] = { rps: [], err: [], p99: [] }; });
    for (var i = 1; i < h.length; i++) {
      xs.push(h[i].t);
      var back = h[Math.max(0, i - RATE_WINDOW)];
      TARGETS.forEach(function (t) {
        var now = between(h[i - 1], h[i], route, t[0]);
        var win = between(back, h[i], route, t[0]);
        out[t[0]].rps.push(now.rps);
        out[t[0]].err.push(win.errorRate);
        out[t[0]].p99.push(win.p99);
      });
    }
    return { xs: xs, targets: out };
  }

  // ---------- rendering ----------

  function render() {
    var container = byId('routes');
    var names = {};
    state.routes.forEach(function (route) {
      names[route.name] = true;
      var card = state.cards[route.name] || createCard(route);
      updateCard(card, route);
    });
    Object.keys(state.cards).forEach(function (name) {
      if (!names[name]) { container.removeChild(state.cards[name].node); delete state.cards[name]; }
    });
    renderOverview();
    renderSyncSection();
  }

  function renderOverview() {
    var body = clear(byId('overview').querySelector('tbody'));
    var h = state.history, last = h[h.length - 1], back = h[Math.max(0, h.length - 1 - RATE_WINDOW)];
    state.routes.forEach(function (route) {
      var card = state.cards[route.name], w = route.window || {}, s = route.shadow || {};
      var legacy = last ? between(back, last, route.name, 'legacy') : {};
      var fresh = last ? between(back, last, route.name, 'extracted') : {};
      var share = route.mode === 'extracted' ? 100 : route.mode === 'canary' ? route.percent : 0;
      var compared = (s.matched || 0) + (s.mismatched || 0);
      body.appendChild(el('tr', { 'data-route': route.name },
        el('th', { scope: 'row' }, el('a', { href: '#' + card.node.id, text: route.name })),
        el('td', null, el('span', { className: 'mode mode-' + route.mode, text: modeText(route.mode, route.percent) })),
        el('td', { text: route.mode === 'reads' ? 'reads only' : percentText(share) }),
        el('td', { text: fmt(legacy.rps, 1) + ' · ' + fmt(fresh.rps, 1) }),
        el('td', { text: w.requests > 0 ? percentText(100 * w.errorRate) + ' of ' + fmt(w.requests, 0) : 'no requests' }),
        el('td', { text: w.requests > 0 && w.p99Millis >= 0 ? fmt(w.p99Millis, 0) + ' ms' : '–' }),
        el('td', { text: compared || s.dropped ? fmt(s.mismatched, 0) + ' / ' + fmt(compared, 0)
          + (s.dropped ? ' (' + fmt(s.dropped, 0) + ' dropped)' : '') : '–' })));
    });
  }

  function field(name) { return el('strong', { 'data-field': name }); }

  function createCard(route) {
    var id = 'route-' + route.name.replace(/[^A-Za-z0-9_-]/g, '_');
    var card = { name: route.name, charts: {}, fields: {} };
    var modeSelect = el('select', { 'data-input': 'mode', 'aria-label': 'Mode for ' + route.name });
    MODES.forEach(function (m) { modeSelect.appendChild(el('option', { value: m, text: m })); });
    var percentInput = el('input', { type: 'number', min: '0', max: '100', step: '0.01', value: '10',
      'data-input': 'percent', 'aria-label': 'Canary percent for ' + route.name });
    var switchButton = el('button', { type: 'button', 'data-action': 'switch', text: 'Switch…' });
    var rollbackButton = el('button', { type: 'button', 'data-action': 'rollback', text: 'Roll back…' });
    modeSelect.addEventListener('change', function () { percentInput.disabled = modeSelect.value !== 'canary'; });

    var charts = el('div', { className: 'charts' });
    [['rps', 'Requests/s'], ['err', 'Error rate, % (5xx + failed, last ' + RATE_WINDOW + ' s)'],
      ['p99', 'p99 latency, ms (last ' + RATE_WINDOW + ' s)']].forEach(function (c) {
      var box = el('figure', { className: 'chart', 'data-chart': c[0] });
      box.appendChild(el('figcaption', { text: c[1] }));
      charts.appendChild(box);
      card.charts[c[0]] = { box: box, plot: null };
    });

    card.node = el('section', { className: 'route panel', id: id, 'data-route': route.name },
      el('h2', null, 'Route ', el('span', { className: 'name', text: route.name })),
      el('p', { className: 'paths' }, 'Paths: ', el('code', { 'data-field': 'paths' })),
      el('div', { className: 'state' },
        el('p', { className: 'mode-line' }, 'Mode: ', field('mode'), ' · New service share: ', field('share'),
          ' · Version ', field('version')),
        el('p', { className: 'last-change' }, 'Last change: ', el('span', { 'data-field': 'change' })),
        el('p', { className: 'budget' }, 'Auto-rollback: ', el('span', { 'data-field': 'budget' }))),
      el('div', { className: 'actions' },
        el('label', null, 'Mode ', modeSelect),
        el('label', null, 'Canary % ', percentInput),
        switchButton, rollbackButton),
      charts,
      el('table', { className: 'targets' },
        el('thead', null, el('tr', null, el('th', { text: 'Target' }), el('th', { text: 'Requests since start' }),
          el('th', { text: 'Requests/s (last ' + RATE_WINDOW + ' s)' }), el('th', { text: 'Error rate (last 60 s)' }),
          el('th', { text: 'p99 (last 60 s)' }))),
        el('tbody', { 'data-field': 'targets' })),
      el('div', { className: 'shadow' },
        el('h3', { text: 'Shadow comparisons' }),
        el('p', { 'data-field': 'shadow' }),
        el('div', { 'data-field': 'mismatches' })),
      el('div', { className: 'pipelines' },
        el('h3', { text: 'Data sync pipelines' }),
        el('div', { 'data-field': 'pipelines' })));

    card.node.querySelectorAll('[data-field]').forEach(function (n) { card.fields[n.getAttribute('data-field')] = n; });
    card.modeSelect = modeSelect;
    card.percentInput = percentInput;
    switchButton.addEventListener('click', function () { confirmSwitch(card); });
    rollbackButton.addEventListener('click', function () { confirmRollback(card); });
    byId('routes').appendChild(card.node);
    state.cards[route.name] = card;
    modeSelect.value = route.mode;
    if (route.mode === 'canary') { percentInput.value = route.percent; }
    percentInput.disabled = route.mode !== 'canary';
    return card;
  }

  function updateCard(card, route) {
    var f = card.fields;
    card.route = route;
    f.paths.textContent = (route.paths || []).join(', ');
    f.mode.textContent = modeText(route.mode, route.percent);
    f.mode.className = 'mode mode-' + route.mode;
    var share = route.mode === 'extracted' ? 100 : route.mode === 'canary' ? route.percent : 0;
    // reads mode: the new side answers the safe requests but takes no writes
    f.share.textContent = route.mode === 'reads' ? 'reads only' : percentText(share);
    f.version.textContent = route.version;
    f.change.textContent = timeText(route.updatedAt) + ' by ' + (route.updatedBy || '–')
      + (route.reason ? ' – “' + route.reason + '”' : '')
      + (route.previousMode ? ' (before: ' + modeText(route.previousMode, route.previousPercent) + ')' : '');
    var b = route.autoRollback || {}, w = route.window || {};
    f.budget.textContent = (b.enabled ? 'on' : 'off')
      + ' · new service in the last ' + fmt(b.windowSeconds, 0) + ' s: ' + fmt(w.requests, 0) + ' requests, '
      + fmt(w.errors, 0) + ' errors (' + percentText(100 * (w.errorRate || 0)) + ', budget ≤ '
      + percentText(100 * b.maxErrorRate) + '), p99 ' + (w.p99Millis >= 0 ? fmt(w.p99Millis, 0) + ' ms' : '–')
      + (b.maxP99Millis ? ' (budget ≤ ' + fmt(b.maxP99Millis, 0) + ' ms)' : '')
      + ', judged from ' + fmt(b.minRequests, 0) + ' requests'
      + ' · refused connections sent back to legacy since start: ' + fmt((route.traffic || {}).fallbacks, 0)
      // tester traffic is its own: not in the window above nor in the split
      + ' · testers since start: ' + fmt((route.traffic || {}).testers || 0, 0) + ' requests ('
      + fmt((route.traffic || {}).testersRefused || 0, 0) + ' side requests without a valid token, ignored)';
    renderTargets(card);
    renderCharts(card);
    renderShadow(card, route);
    renderRoutePipelines(card);
  }

  function renderTargets(card) {
    var h = state.history, rows = clear(card.fields.targets);
    if (!h.length) { return; }
    var last = h[h.length - 1];
    var tenAgo = h[Math.max(0, h.length - 1 - RATE_WINDOW)];
    var minuteAgo = h[Math.max(0, h.length - 61)];
    TARGETS.forEach(function (t) {
      var total = counters(last, card.name, t[0]).count;
      var recent = between(tenAgo, last, card.name, t[0]);
      var minute = between(minuteAgo, last, card.name, t[0]);
      rows.appendChild(el('tr', { 'data-target': t[1] },
        el('th', { scope: 'row', text: t[1] === 'new' ? 'new service' : 'legacy (monolith)' }),
        el('td', { text: fmt(total, 0) }),
        el('td', { text: fmt(recent.rps, 1) }),
        el('td', { text: minute.errorRate === null ? '–' : percentText(minute.errorRate) }),
        el('td', { text: minute.p99 === null ? '–' : '≤ ' + fmt(minute.p99, 1) + ' ms' })));
    });
  }

  function renderCharts(card) {
    if (typeof uPlot === 'undefined') { return; }
    var s = seriesFor(card.name);
    Object.keys(card.charts).forEach(function (key) {
      var chart = card.charts[key];
      var data = [s.xs, s.targets.legacy[key], s.targets.extracted[key]];
      var width = Math.max(220, chart.box.clientWidth - 8);
      if (!chart.plot) {
        chart.plot = new uPlot({
          width: width, height: 140,
          legend: { show: true, live: false },
          cursor: { show: false },
          scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(key === 'err' ? 1 : 1, max || 0) * 1.1]; } } },
          axes: [{ size: 28 }, { size: 44 }],
          series: [
            {},
            { label: 'legacy (solid)', stroke: '#1f4e96', width: 2, spanGaps: false },
            { label: 'new (dashed)', stroke: '#b35900', width: 2, dash: [6, 4], spanGaps: false }
          ]
        }, data, chart.box);
      } else {
        if (Math.abs(chart.plot.width - width) > 4) { chart.plot.setSize({ width: width, height: 140 }); }
        chart.plot.setData(data);
      }
    });
  }

  function renderShadow(card, route) {
    var s = route.shadow || {};
    card.fields.shadow.textContent = 'Matched ' + fmt(s.matched, 0) + ' · Mismatched ' + fmt(s.mismatched, 0)
      + ' · Dropped ' + fmt(s.dropped, 0) + ' · Failed ' + fmt(s.failed, 0) + ' · Skipped ' + fmt(s.skipped, 0);
    var detail = state.details[route.name];
    card.fields.shadow.textContent += noiseText(detail && detail.shadow && detail.shadow.noise);
    var box = card.fields.mismatches;
    var samples = detail && detail.shadow && detail.shadow.mismatches ? detail.shadow.mismatches : [];
    var key = samples.length ? samples[samples.length - 1].at + '/' + samples.length : 'none';
    if (box.getAttribute('data-key') === key) { return; } // unchanged: keep open panels open
    box.setAttribute('data-key', key);
    var wasOpen = box.querySelector('details') ? box.querySelector('details').open : false;
    clear(box);
    if (!samples.length) {
      box.appendChild(el('p', { className: 'muted', text: 'No mismatches kept.' }));
      return;
    }
    var details = el('details', null, el('summary', { text: 'Latest mismatches (' + Math.min(5, samples.length) + ' of ' + samples.length + ' kept, newest first)' }));
    details.open = wasOpen;
    var list = el('div', { className: 'mismatch-list' });
    samples.slice().reverse().slice(0, 5).forEach(function (m) { list.appendChild(mismatch(m)); });
    details.appendChild(list);
    box.appendChild(details);
  }

  // learned noise (monolith answered the same request differently twice): ignored per endpoint
  function noiseText(noise) {
    if (!noise) { return ''; }
    var parts = [];
    Object.keys(noise.endpoints || {}).forEach(function (endpoint) {
      var e = noise.endpoints[endpoint], paths = Object.keys(e.noise || {});
      if (paths.length) {
        parts.push(endpoint + ': ' + paths.map(function (p) {
          return p + ' (' + fmt(e.noise[p], 0) + ' of ' + fmt(e.samples, 0) + ' samples)';
        }).join(', '));
      }
    });
    if ((noise.pinned || []).length) { parts.push('pinned: ' + noise.pinned.join(', ')); }
    return ' · Noise ignored: ' + (parts.length ? parts.join('; ') : 'none learned yet');
  }

  function mismatch(m) {
    var paths = (m.differences || []).map(function (d) {
      var i = d.indexOf(': ');
      return d.charAt(0) === '$' && i > 0 ? d.substring(0, i) : null;
    }).filter(Boolean);
    var list = el('ul', { className: 'differences' });
    (m.differences || []).forEach(function (d) { list.appendChild(el('li', { text: d })); });
    return el('article', { className: 'mismatch' },
      el('h4', { text: m.method + ' ' + m.path + ' · ' + timeText(m.at) + ' · status legacy ' + m.legacyStatus
        + ' / new ' + m.newStatus }),
      el('p', { text: 'Differences (lines marked ≠ below):' }), list,
      el('div', { className: 'side-by-side' },
        el('div', null, el('h5', { text: 'Legacy (monolith), redacted' }), body(m.legacyBody, paths)),
        el('div', null, el('h5', { text: 'New service, redacted' }), body(m.newBody, paths))));
  }

  /** A body as indented JSON lines, each line under a differing path marked with ≠. */
  function body(text, paths) {
    var pre = el('pre', { className: 'body' });
    var value;
    try { value = JSON.parse(text); } catch (e) {
      pre.textContent = text === null || text === undefined ? '(no body)' : text;
      return pre;
    }
    var lines = [];
    jsonLines(value, '$', 0, '', '', lines);
    lines.forEach(function (l) {
      var marked = paths.some(function (p) {
        return l.path === p || l.path.indexOf(p + '.') === 0 || l.path.indexOf(p + '[') === 0;
      });
      pre.appendChild(el('span', { className: marked ? 'line diff' : 'line' }, (marked ? '≠ ' : '  ') + l.text + '\n'));
    });
    return pre;
  }

  function jsonLines(v, path, depth, prefix, comma, out) {
    var pad = new Array(depth + 1).join('  ');
    if (v !== null && typeof v === 'object') {
      var isArray = Array.isArray(v), keys = isArray ? v : Object.keys(v);
      var open = isArray ? '[' : '{', close = isArray ? ']' : '}';
      if (!keys.length) { out.push({ path: path, text: pad + prefix + open + close + comma }); return; }
      out.push({ path: path, text: pad + prefix + open });
      keys.forEach(function (k, i) {
        var last = i === keys.length - 1 ? '' : ',';
        if (isArray) { jsonLines(k, path + '[' + i + ']', depth + 1, '', last, out); }
        else { jsonLines(v[k], path + '.' + k, depth + 1, JSON.stringify(k) + ': ', last, out); }
      });
      out.push({ path: path, text: pad + close + comma });
    } else {
      out.push({ path: path, text: pad + prefix + JSON.stringify(v) + comma });
    }
  }

  // ---------- pipelines ----------

  function pipelinesOf(route) {
    var map = (state.settings && state.settings.routePipelines) || {};
    return map[route] || [];
  }

  function renderRoutePipelines(card) {
    var box = clear(card.fields.pipelines);
    if (state.syncProblem) { box.appendChild(el('p', { className: 'muted', text: state.syncProblem })); return; }
    var names = pipelinesOf(card.name);
    if (!names.length) {
      box.appendChild(el('p', { className: 'muted',
        text: 'No pipelines listed for this route (strangler.dashboard.route-pipelines.' + card.name + ').' }));
      return;
    }
    box.appendChild(pipelineTable((state.pipelines || []).filter(function (p) { return names.indexOf(p.name) >= 0; }), card.name));
  }

  function renderSyncSection() {
    var message = byId('sync-message'), other = clear(byId('sync-other'));
    if (state.syncProblem) { message.textContent = state.syncProblem; return; }
    if (!state.pipelines) { message.textContent = 'Loading…'; return; }
    var claimed = {};
    Object.keys((state.settings && state.settings.routePipelines) || {}).forEach(function (r) {
      pipelinesOf(r).forEach(function (p) { claimed[p] = true; });
    });
    var rest = state.pipelines.filter(function (p) { return !claimed[p.name]; });
    message.textContent = state.pipelines.length + ' pipeline(s); ' + rest.length + ' not listed under a route'
      + (rest.length ? ':' : '.');
    if (rest.length) { other.appendChild(pipelineTable(rest, null)); }
  }

  function eventsPerSecond(name) {
    var h = state.pipelineHistory[name] || [];
    if (h.length < 2) { return null; }
    var a = h[0], b = h[h.length - 1];
    return b.t > a.t ? Math.max(0, b.applied - a.applied) / (b.t - a.t) : null;
  }

  function verifyText(name) {
    var v = state.verifications[name];
    if (!v) { return 'not run from this dashboard'; }
    var r = v.result || {};
    return (r.equal ? 'equal' : 'DIFFERENT (' + (r.differingKeys || []).length + ' keys)') + ', '
      + fmt(r.sourceRows, 0) + ' / ' + fmt(r.targetRows, 0) + ' rows, ' + timeText(v.at) + ' by ' + v.actor;
  }

  function pipelineTable(list, route) {
    var body = el('tbody');
    list.forEach(function (p) {
      var button = el('button', { type: 'button', 'data-action': 'verify', text: 'Verify…' });
      button.addEventListener('click', function () { confirmVerify(p.name); });
      body.appendChild(el('tr', { 'data-pipeline': p.name },
        el('th', { scope: 'row', text: p.name }),
        el('td', { text: p.state + (p.lastError ? ' – ' + p.lastError : '') }),
        el('td', { text: fmt(p.lag && p.lag.lastMillis, 0) + ' ms (p99 ' + fmt(p.lag && p.lag.p99Millis, 0) + ' ms)' }),
        el('td', { text: fmt(eventsPerSecond(p.name), 1) }),
        el('td', { text: fmt(p.deadLetters, 0) }),
        el('td', { text: fmt(p.conflicts, 0) }),
        el('td', { text: verifyText(p.name) }),
        el('td', null, button)));
    });
    if (!list.length) {
      body.appendChild(el('tr', null, el('td', { colspan: '8', text: 'None of the listed pipelines runs in cdc-sync'
        + (route ? ' (check strangler.dashboard.route-pipelines.' + route + ')' : '') })));
    }
    return el('table', { className: 'pipelines-table' },
      el('thead', null, el('tr', null, el('th', { text: 'Pipeline' }), el('th', { text: 'State' }),
        el('th', { text: 'Lag (last, p99 2 min)' }), el('th', { text: 'Events/s applied' }),
        el('th', { text: 'Dead letters' }), el('th', { text: 'Conflicts' }), el('th', { text: 'Last verify' }),
        el('th', { text: 'Action' }))), body);
  }

  // ---------- audit ----------

  function renderAudit(entries) {
    var body = clear(byId('audit').querySelector('tbody'));
    (entries || []).forEach(function (e) {
      body.appendChild(el('tr', { 'data-audit': e.id },
        el('td', { text: timeText(e.at) }),
        el('td', { text: e.route }),
        el('td', { text: e.action === 'verify'
          ? 'verify ' + e.pipeline + ': ' + e.outcome + (e.detail ? ' (' + e.detail + ')' : '')
          : modeText(e.from.mode, e.from.percent) + ' → ' + modeText(e.to.mode, e.to.percent)
            + (e.outcome && e.outcome !== 'switched' ? ' [' + e.outcome + ']' : '') }),
        el('td', { text: e.automatic ? 'automatic' : 'manual' }),
        el('td', { text: e.actor }),
        el('td', { text: e.reason })));
    });
    if (!entries || !entries.length) { body.appendChild(el('tr', null, el('td', { colspan: '6', text: 'No switches or verifies yet.' }))); }
  }

  // ---------- actions ----------

  var pending = null;

  function ask(text, action) {
    pending = action;
    byId('confirm-text').textContent = text;
    byId('confirm-reason').value = '';
    byId('confirm-error').hidden = true;
    byId('confirm-ok').disabled = false;
    byId('confirm').showModal();
    byId('confirm-reason').focus();
  }

  function confirmed(event) {
    event.preventDefault();
    var reason = byId('confirm-reason').value.trim();
    var error = byId('confirm-error');
    if (!reason) { error.textContent = 'A reason is required: it goes to the audit trail.'; error.hidden = false; return; }
    byId('confirm-ok').disabled = true;
    pending(reason).then(function (message) {
      byId('confirm').close();
      notice(message);
      state.ticks = 0; // refresh the slow parts (audit) on the next poll
      tick();
    }).catch(function (e) {
      if (e.status === 401) { byId('confirm').close(); failed(e); return; }
      error.textContent = 'Not done: ' + e.message;
      error.hidden = false;
      byId('confirm-ok').disabled = false;
    });
  }

  function notice(message) {
    var n = byId('notice');
    n.textContent = message;
    n.hidden = false;
  }

  function confirmSwitch(card) {
    var mode = card.modeSelect.value;
    var percent = mode === 'canary' ? Number(card.percentInput.value) : null;
    if (mode === 'canary' && (card.percentInput.value === '' || isNaN(percent) || percent < 0 || percent > 100)) {
      notice('Canary percent must be a number from 0 to 100.');
      return;
    }
    var from = modeText(card.route.mode, card.route.percent), to = modeText(mode, percent);
    ask('Switch route ' + card.name + ' from ' + from + ' to ' + to + '?', function (reason) {
      var body = { mode: mode, reason: reason };
      if (percent !== null) { body.percent = percent; }
      return api('PUT', '/admin/routes/' + encodeURIComponent(card.name), body).then(function (r) {
        return 'Switched ' + card.name + ' to ' + modeText(r.mode, r.percent) + ' (version ' + r.version + ').';
      });
    });
  }

  function confirmRollback(card) {
    ask('Roll route ' + card.name + ' back from ' + modeText(card.route.mode, card.route.percent) + '?', function (reason) {
      return api('POST', '/admin/routes/' + encodeURIComponent(card.name) + '/rollback', { reason: reason }).then(function (r) {
        return 'Rolled ' + card.name + ' back to ' + modeText(r.mode, r.percent) + ' (version ' + r.version + ').';
      });
    });
  }

  function confirmVerify(pipeline) {
    ask('Run a verify of pipeline ' + pipeline + '? It compares source and target tables and reads both databases.',
      function (reason) {
        return api('POST', '/admin/sync/pipelines/' + encodeURIComponent(pipeline) + '/verify', { reason: reason })
          .then(function (r) {
            return 'Verify of ' + pipeline + ': ' + (r && r.equal ? 'source and target are equal'
              : 'source and target DIFFER (' + ((r && r.differingKeys) || []).length + ' keys)') + '.';
          });
      });
  }

  // ---------- start ----------

  document.addEventListener('DOMContentLoaded', function () {
    byId('login-form').addEventListener('submit', signIn);
    byId('sign-out').addEventListener('click', signOut);
    byId('confirm-form').addEventListener('submit', confirmed);
    byId('confirm-cancel').addEventListener('click', function () { byId('confirm').close(); });
    if (token()) { start(); } else { showLogin(null); }
  });
}());
