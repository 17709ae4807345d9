/* global document, window, fetch, uPlot, URLSearchParams, setTimeout, clearTimeout, ResizeObserver */
// The admin statistics page. No build step: plain browser JavaScript, served as is.
// The access token lives in this closure only (never in storage or cookies): a reload signs out.
'use strict';

(() => {
  const API = '/api/v1';
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const RANGES = {
    '48h': { interval: 'hour', buckets: 48, period: 'day', label: 'last 24 hours' },
    '7d': { interval: 'day', buckets: 7, period: 'week', label: 'last 7 days' },
    '30d': { interval: 'day', buckets: 30, period: 'month', label: 'last 30 days' },
    '90d': { interval: 'day', buckets: 90, period: 'month', label: 'last 30 days' },
  };
  const COLORS = ['#2f6fde', '#d9480f', '#2b8a3e', '#ae3ec9', '#e8590c', '#0c8599', '#c2255c'];

  const $ = (id) => document.getElementById(id);
  const el = (tag, props = {}, children = []) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };

  /** Everything the page knows; the token is forgotten on sign-out and never written anywhere. */
  const session = { accessToken: null, refreshToken: null, email: null };
  const view = {
    metrics: null,
    charts: new Map(),
    timer: null,
    retryTimer: null,
    loading: false,
    again: false,
  };

  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      super((body && body.detail) || `HTTP ${status}`);
      this.status = status;
      this.code = body && body.code;
      this.retryAfter = retryAfter;
    }
  }

  async function call(path, { method = 'GET', body, auth = true } = {}) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && session.accessToken) headers.authorization = `Bearer ${session.accessToken}`;
    const res = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new ApiError(res.status, json, Number(res.headers.get('retry-after')) || 0);
    return json;
  }

  /** A stats call; an expired access token is renewed once with the refresh token. */
  async function stats(path) {
    try {
      return await call(path);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || !session.refreshToken)
        throw error;
      const pair = await call('/auth/refresh', {
        method: 'POST',
        body: { refreshToken: session.refreshToken },
        auth: false,
      });
      session.accessToken = pair.accessToken;
      session.refreshToken = pair.refreshToken;
      return call(path);
    }
  }

  // ---- messages -------------------------------------------------------------------------------

  const say = (text) => {
    $('status').textContent = text;
  };
  const fail = (text) => {
    $('error').textContent = text;
    $('error').hidden = !text;
  };
  const describe = (error) => {
    if (!(error instanceof ApiError)) return `The server could not be reached (${error.message}).`;
    if (error.status === 429) return `Too many requests: retry in ${error.retryAfter || 60} s.`;
    return error.message;
  };

  // ---- sign-in --------------------------------------------------------------------------------

  function show(section) {
    for (const id of ['sign-in', 'forbidden', 'dashboard']) $(id).hidden = id !== section;
    $('session').hidden = section === 'sign-in';
  }

  async function signIn(event) {
    event.preventDefault();
    fail('');
    const email = $('email').value.trim();
    const password = $('password').value;
    const otp = $('otp-field').hidden ? undefined : $('otp').value.trim() || undefined;
    $('sign-in-button').disabled = true;
    say('Signing in…');
    try {
      const payload = await call('/auth/login', {
        method: 'POST',
        body: { email, password, ...(otp ? { otp } : {}) },
        auth: false,
      });
      session.accessToken = payload.accessToken;
      session.refreshToken = payload.refreshToken;
      session.email = (payload.user && payload.user.email) || email;
      $('password').value = '';
      $('otp').value = '';
      $('otp-field').hidden = true;
      $('whoami').textContent = session.email;
      say('Signed in.');
      await openDashboard();
    } catch (error) {
      say('');
      if (error instanceof ApiError && error.code === 'OTP_REQUIRED') {
        $('otp-field').hidden = false;
        $('otp').required = true;
        $('otp').focus();
        say('Enter the one-time code to finish signing in.');
        return;
      }
      fail(describe(error));
    } finally {
      $('sign-in-button').disabled = false;
    }
  }

  async function signOut() {
    const token = session.accessToken;
    const refreshToken = session.refreshToken;
    forget();
    if (token) {
      // Ends the session on the server too; the page has already forgotten the tokens.
      fetch(`${API}/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
        credentials: 'omit',
      }).catch(() => undefined);
    }
    say('Signed out.');
  }

  function forget() {
    session.accessToken = null;
    session.refreshToken = null;
    session.email = null;
    view.metrics = null;
    stopTimers();
    for (const chart of view.charts.values()) if (chart.plot) chart.plot.destroy();
    view.charts.clear();
    $('charts').replaceChildren();
    $('cards').replaceChildren();
    $('whoami').textContent = '';
    $('otp-field').hidden = true;
    $('otp').required = false;
    fail('');
    show('sign-in');
    $('email').focus();
  }

  // ---- dashboard ------------------------------------------------------------------------------

  async function openDashboard() {
    try {
      view.metrics = await stats('/stats/metrics');
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) {
        $('forbidden-message').textContent =
          error.code === 'TWO_FACTOR_REQUIRED'
            ? 'Your account must turn on two-factor authentication before it can read statistics.'
            : 'Your account cannot read statistics: it needs the stats.read permission (the admin role).';
        show('forbidden');
        say('');
        return;
      }
      show('sign-in');
      fail(describe(error));
      return;
    }
    show('dashboard');
    buildCharts();
    await refresh();
  }

  function stopTimers() {
    clearTimeout(view.timer);
    clearTimeout(view.retryTimer);
    view.timer = null;
    view.retryTimer = null;
  }

  function schedule() {
    clearTimeout(view.timer);
    const seconds = Number($('refresh').value);
    if (seconds > 0 && session.accessToken) view.timer = setTimeout(refresh, seconds * 1000);
  }

  /** The from/to/interval of a metric for the chosen range (day-only metrics stay daily). */
  function windowFor(metric, rangeKey, now) {
    const range = RANGES[rangeKey];
    const interval = metric.intervals.includes(range.interval) ? range.interval : 'day';
    const step = interval === 'hour' ? HOUR : DAY;
    const current = Math.floor(now / step) * step;
    const span = range.interval === 'hour' ? 2 * DAY : range.buckets * DAY;
    const buckets = Math.max(1, Math.round(span / step));
    return {
      interval,
      from: new Date(current - (buckets - 1) * step).toISOString(),
      to: new Date(now).toISOString(),
    };
  }

  /** One refresh: one totals call and one call per chart (the `stats` rate limit counts them). */
  async function refresh() {
    if (!session.accessToken) return;
    if (view.loading) {
      view.again = true; // e.g. the range changed mid-load: load again once this one ends
      return;
    }
    view.loading = true;
    view.again = false;
    clearTimeout(view.retryTimer);
    view.retryTimer = null;
    $('refresh-now').disabled = true;
    fail('');
    say('Loading…');
    const rangeKey = $('range').value;
    const now = Date.now();
    const results = await Promise.allSettled([
      loadTotals(rangeKey),
      ...[...view.charts.values()].map((chart) => loadChart(chart, rangeKey, now)),
    ]);
    view.loading = false;
    $('refresh-now').disabled = false;
    if (!session.accessToken) return;
    if (view.again) return refresh();
    const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    const limited = errors.filter((e) => e instanceof ApiError && e.status === 429);
    $('updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
    if (errors.some((e) => e instanceof ApiError && e.status === 401)) {
      forget();
      fail('The session ended: sign in again.');
      return;
    }
    if (limited.length) {
      // The stats limit is per caller and window: wait it out, then fetch what is missing.
      const wait = Math.max(...limited.map((e) => e.retryAfter || 60));
      say(`Rate limited: ${limited.length} request(s) retried in ${wait} s.`);
      view.retryTimer = setTimeout(refresh, wait * 1000);
      return;
    }
    if (errors.length) fail(describe(errors[0]));
    say(errors.length ? '' : 'Up to date.');
    schedule();
  }

  // ---- totals ---------------------------------------------------------------------------------

  const integer = new Intl.NumberFormat('en');
  const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 2 });
  const bytes = (n) => {
    const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
  };

  async function loadTotals(rangeKey) {
    const range = RANGES[rangeKey];
    const totals = await stats(`/stats?period=${range.period}`);
    $('totals-period').textContent = `(${range.label})`;
    const sent = totals.notifications.sent.reduce((sum, c) => sum + c.count, 0);
    const cards = [
      ['Users', integer.format(totals.users.total)],
      ['New users', integer.format(totals.users.new)],
      ['Active users', integer.format(totals.users.active)],
      ['DAU / WAU / MAU', `${totals.users.dau} / ${totals.users.wau} / ${totals.users.mau}`],
      ['Banned', integer.format(totals.users.banned)],
      ['Unverified', integer.format(totals.users.unverified)],
      ['Sign-ins', integer.format(totals.signIns.succeeded)],
      ['Failed sign-ins', integer.format(totals.signIns.failed)],
      ['Registrations', integer.format(totals.registrations)],
      ['Uploads', integer.format(totals.files.uploads)],
      ['Storage used', bytes(totals.files.storageBytes)],
      ['Notifications sent', integer.format(sent)],
      ['Notifications read', integer.format(totals.notifications.read)],
      ['API requests', integer.format(totals.api.requests)],
      ['4xx share', percent.format(totals.api.errorRate4xx)],
      ['5xx share', percent.format(totals.api.errorRate5xx)],
      ['p95 latency', `${Math.round(totals.api.p95Ms)} ms`],
    ];
    $('cards').replaceChildren(
      ...cards.map(([name, value]) =>
        el('dl', { className: 'card' }, [
          el('dt', { textContent: name }),
          el('dd', { textContent: value }),
        ]),
      ),
    );
  }

  // ---- charts ---------------------------------------------------------------------------------

  function buildCharts() {
    const container = $('charts');
    container.replaceChildren();
    view.charts.clear();
    for (const metric of view.metrics) {
      const titleId = `chart-title-${metric.name}`;
      const state = el('p', { className: 'chart-state', textContent: 'Loading…' });
      const plotBox = el('div', { className: 'plot' });
      const figure = el('figure', { className: 'chart' }, [
        el('figcaption', {}, [
          el('h4', { id: titleId, textContent: metric.name.replaceAll('_', ' ') }),
          el('p', { textContent: metric.description }),
        ]),
        state,
        plotBox,
      ]);
      figure.dataset.metric = metric.name;
      figure.dataset.state = 'loading';
      figure.setAttribute('aria-labelledby', titleId);
      container.append(figure);
      view.charts.set(metric.name, { metric, figure, state, plotBox, plot: null, ok: false });
    }
  }

  async function loadChart(chart, rangeKey, now) {
    const { interval, from, to } = windowFor(chart.metric, rangeKey, now);
    const query = new URLSearchParams({ metric: chart.metric.name, from, to, interval });
    try {
      const data = await stats(`/stats/timeseries?${query}`);
      draw(chart, data);
    } catch (error) {
      chart.figure.dataset.state = 'failed';
      chart.state.textContent =
        error instanceof ApiError && error.status === 429
          ? `Waiting for the rate limit (${error.retryAfter || 60} s).`
          : `Could not load: ${describe(error)}`;
      chart.state.className = 'chart-state failed';
      throw error;
    }
  }

  function draw(chart, data) {
    const xs = data.timestamps.map((t) => Date.parse(t) / 1000);
    const columns = [xs, ...data.series.map((s) => s.values)];
    const total = data.series.reduce(
      (sum, s) => sum + s.values.reduce((a, v) => a + (v || 0), 0),
      0,
    );
    chart.figure.dataset.points = String(xs.length);
    chart.figure.dataset.series = String(data.series.length);
    chart.figure.dataset.total = String(total);
    chart.figure.dataset.interval = data.interval;
    chart.state.className = 'chart-state';
    chart.state.textContent = `${xs.length} ${data.interval === 'hour' ? 'hourly' : 'daily'} points`;
    if (chart.plot) chart.plot.destroy();
    chart.plotBox.replaceChildren();
    chart.plot = new uPlot(
      {
        width: plotWidth(chart),
        height: 220,
        scales: { x: { time: true } },
        series: [
          {},
          ...data.series.map((s, i) => ({
            label: s.name,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            points: { show: xs.length <= 60 },
          })),
        ],
        axes: [{}, { size: 60 }],
      },
      columns,
      chart.plotBox,
    );
    chart.figure.dataset.state = 'drawn';
  }

  const plotWidth = (chart) => Math.max(280, chart.plotBox.clientWidth || 480);

  function resizeCharts() {
    for (const chart of view.charts.values()) {
      if (chart.plot) chart.plot.setSize({ width: plotWidth(chart), height: 220 });
    }
  }

  // ---- wiring ---------------------------------------------------------------------------------

  function start() {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    $('refresh-now').addEventListener('click', refresh);
    $('range').addEventListener('change', refresh);
    $('refresh').addEventListener('change', schedule);
    $('controls').addEventListener('submit', (event) => event.preventDefault());
    let resizing = null;
    new ResizeObserver(() => {
      clearTimeout(resizing);
      resizing = setTimeout(resizeCharts, 150);
    }).observe($('charts'));
    // A hidden tab spends none of the rate limit; it refreshes when shown again.
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) clearTimeout(view.timer);
      else if (session.accessToken && !view.retryTimer) schedule();
    });
    window.addEventListener('pagehide', forget);
    show('sign-in');
  }

  start();
})();
