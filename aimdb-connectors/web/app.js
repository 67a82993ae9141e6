// The dashboard: a card per record with its latest value, a chart of recent values and,
// for records the node takes from the browser, a write form; a record family (the hello's
// `families`, e.g. every zone's `climate/{instance}/reading`) as a grid of its instances,
// each with its latest value and its liveness; the topology from `/graph`.
// Fed either by the browser's own node (node.js: the wasm build of the topology file's
// `browser` node, when the page's address has `#broker=...`) through
// `window.AimdbDashboard`, or by one WebSocket to the host node (`/ws`), which reconnects
// by itself with backoff.
(function () {
  'use strict';

  const HISTORY = 120; // points per chart
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const withToken = (path) => path + (token ? '?token=' + encodeURIComponent(token) : '');
  const records = new Map(); // key -> record state
  const $ = (id) => document.getElementById(id);
  let socket = null;
  let delay = 250;
  let sessions = 0;
  let messages = 0;
  // The contract (type fingerprint) of each record the node declares one for, from hello;
  // values of another version are refused here, as every reader refuses them.
  const contracts = new Map();
  let mismatches = 0;
  // Each producer node's liveness as the node heard it (its last will says offline), and
  // how old a value may get before its card says stale (`?stale=MS`, default 5 s).
  const nodes = new Map();
  const STALE_MS = Number(params.get('stale')) || 5000;
  // The browser node runs in this page (node.js); the host's JSON channel is not opened.
  const nodeMode = new URLSearchParams(location.hash.slice(1)).has('broker');
  // Record families: each instance's path -> its grid cell.
  const zones = new Map();

  // ---- connection ------------------------------------------------------------------
  function setStatus(state, text) {
    const el = $('status');
    el.className = 'status ' + state;
    el.dataset.state = state;
    el.textContent = text;
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    setStatus('connecting', sessions ? 'reconnecting…' : 'connecting…');
    socket = new WebSocket(scheme + location.host + withToken('/ws'));
    socket.onopen = () => {
      sessions += 1;
      delay = 250;
      setStatus('connected', 'live');
      document.body.dataset.sessions = String(sessions);
    };
    socket.onmessage = (event) => {
      messages += 1;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      handle(message);
    };
    socket.onclose = (event) => {
      socket = null;
      for (const r of records.values()) r.valueEl.classList.add('stale');
      for (const z of zones.values()) z.set('stale', 'the page is disconnected');
      const why = event.code === 1006 && sessions === 0 ? ' (refused: wrong or missing token?)' : '';
      setStatus('disconnected', `disconnected${why}, retrying in ${(delay / 1000).toFixed(1)} s`);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }

  function handle(message) {
    switch (message.type) {
      case 'hello':
        if (message.title) {
          $('title').textContent = message.title;
          document.title = message.title + ' — aimdb';
        }
        for (const [key, fingerprint] of Object.entries(message.contracts || {})) contracts.set(key, fingerprint);
        for (const family of message.families || []) grid(family);
        for (const key of message.readable || []) if (!zones.has(key)) card(key);
        for (const key of message.writable || []) card(key).setWritable();
        for (const r of records.values()) r.showContract();
        break;
      case 'value': {
        const own = contracts.get(message.key);
        if (own && message.fingerprint && message.fingerprint !== own) {
          mismatches += 1;
          if (zones.has(message.key)) zones.get(message.key).refused += 1;
          else card(message.key).refuse(message.fingerprint);
          break;
        }
        if (zones.has(message.key)) zones.get(message.key).update(message);
        else card(message.key).update(message);
        break;
      }
      case 'node':
        nodes.set(message.node, message.online);
        if (window.AimdbGraph) window.AimdbGraph.setNode($('topology'), message.node, message.online);
        freshness();
        break;
      case 'counters':
        card(message.key).setCounters(message.counters);
        break;
      case 'written':
        card(message.key).reply('written', false);
        break;
      case 'error':
        if (message.code === 'schema_mismatch') mismatches += 1;
        if (message.key && records.has(message.key)) records.get(message.key).reply(message.error, true);
        else console.warn('aimdb:', message.error);
        break;
    }
    // With the page's own node, node.js writes the counts from its connector.
    if (nodeMode) return;
    const refused = mismatches ? ` · ${mismatches} schema mismatch` : '';
    $('counts').textContent = `${messages} messages · session ${sessions}${refused}`;
    $('counts').dataset.schemaMismatch = String(mismatches);
  }

  // ---- a record's card ---------------------------------------------------------------
  function h(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Numeric leaves of a value, by path: 21.5 -> {"": 21.5}; {t: {c: 2}} -> {"t.c": 2}.
  function numbers(value, prefix, out) {
    if (typeof value === 'number') out[prefix] = value;
    else if (typeof value === 'boolean') out[prefix] = value ? 1 : 0;
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) numbers(v, prefix ? prefix + '.' + k : k, out);
    }
    return out;
  }

  // The series charted first: a plain number, else the first field that does not look
  // like a counter.
  function primary(fields) {
    const names = Object.keys(fields);
    return names.find((n) => !/(^|\.)(seq|sequence|id|count|n)$/i.test(n)) ?? names[0];
  }

  function card(key) {
    if (records.has(key)) return records.get(key);
    $('no-records').hidden = true;
    const root = h('article', { class: 'record', 'data-key': key });
    const badges = h('span', { class: 'badges' });
    const title = h('h3', {}, key);
    title.prepend(badges);
    const latest = h('div', { class: 'latest' });
    const valueEl = h('span', { class: 'value stale empty', 'data-json': '' }, 'no value yet');
    const fieldsEl = h('span', { class: 'fields' });
    latest.append(valueEl, fieldsEl);
    const meta = h('div', { class: 'meta' }, 'the node has not published this record');
    // Hidden until there is something to draw (a write-only record never has).
    const canvas = h('canvas', { class: 'chart', width: 720, height: 280, 'data-points': '0' });
    canvas.hidden = true;
    const seriesEl = h('div', { class: 'series' });
    const contractEl = h('div', { class: 'contract' });
    const freshnessEl = h('div', { class: 'freshness' });
    const countersEl = h('div', { class: 'counters' });
    root.append(title, latest, meta, freshnessEl, canvas, seriesEl, contractEl, countersEl);
    $('records').append(root);
    const r = {
      key, root, valueEl, meta, canvas, points: [], chosen: null, count: 0, last: null, refused: 0,
      showContract() {
        const own = contracts.get(key);
        contractEl.dataset.fingerprint = own || '';
        const tail = r.refused ? ` · ${r.refused} refused (schema mismatch)` : '';
        contractEl.textContent = own ? `contract ${own}${tail}` : '';
        contractEl.classList.toggle('error', r.refused > 0);
      },
      // What the record's inbound link refused on the node (decode errors, oversize, ...).
      setCounters(counters) {
        const names = { decode_errors: 'decode errors', oversize: 'oversize', schema_mismatch: 'schema mismatch' };
        const parts = Object.entries(counters).map(([k, n]) => `${n} ${names[k] || k.replace(/_/g, ' ')}`);
        countersEl.textContent = parts.length ? 'the node\'s link refused: ' + parts.join(' · ') : '';
        countersEl.dataset.counters = JSON.stringify(counters);
        countersEl.classList.toggle('error', Object.values(counters).some((n) => n > 0));
      },
      // A value written by another version of the record type: counted, never shown.
      refuse(fingerprint) {
        r.refused += 1;
        contractEl.dataset.refused = String(r.refused);
        contractEl.dataset.lastForeign = fingerprint;
        r.showContract();
      },
      // `submit(value)`, when given, produces the value in the page's own node instead of
      // sending it to the host.
      setWritable(submit) {
        if (submit) r.submit = submit;
        if (root.querySelector('form')) return;
        badges.append(h('span', { class: 'badge writable' }, 'writable'));
        const form = h('form', { class: 'write' });
        const input = h('input', { name: 'value', placeholder: 'JSON value, e.g. 21.5', 'aria-label': 'value for ' + key });
        const button = h('button', { type: 'submit' }, 'write');
        form.append(input, button);
        const replyEl = h('div', { class: 'reply' });
        root.append(form, replyEl);
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          let value;
          try {
            value = JSON.parse(input.value);
          } catch (_) {
            r.reply('not JSON: ' + input.value, true);
            return;
          }
          if (r.submit) {
            r.reply(r.submit(value), false);
            return;
          }
          if (!socket || socket.readyState !== WebSocket.OPEN) {
            r.reply('not connected', true);
            return;
          }
          // With the contract the page was told, so the node checks it as any writer's.
          const fingerprint = contracts.get(key);
          socket.send(JSON.stringify(fingerprint ? { key, value, fingerprint } : { key, value }));
        });
        r.replyEl = replyEl;
      },
      reply(text, isError) {
        if (!r.replyEl) r.setWritable();
        r.replyEl.textContent = text;
        r.replyEl.className = 'reply ' + (isError ? 'error' : 'ok');
      },
      update(message) {
        // A replayed value after a reconnect may be one we already have.
        if (r.last && message.seq === r.last.seq && message.ts === r.last.ts) return;
        r.last = message;
        r.receivedAt = Date.now();
        r.count += 1;
        const fields = numbers(message.value, '', {});
        if (!r.chosen || !(r.chosen in fields)) r.chosen = primary(fields) ?? null;
        r.points.push({ ts: message.ts, fields });
        if (r.points.length > HISTORY) r.points.shift();
        const json = JSON.stringify(message.value);
        valueEl.dataset.json = json;
        valueEl.dataset.seq = String(message.seq);
        valueEl.dataset.ts = String(message.ts);
        valueEl.classList.remove('stale', 'empty');
        const shown = r.chosen !== null && r.chosen in fields ? fields[r.chosen] : null;
        valueEl.textContent = shown === null ? json : formatNumber(shown);
        fieldsEl.textContent = typeof message.value === 'object' && message.value !== null ? json : '';
        // `seq` here is the link's message count, not a field of the value.
        meta.textContent = `message ${message.seq}, sent ${clock(message.ts)} (server time) · ${r.count} received here`;
        canvas.dataset.points = String(r.points.length);
        canvas.hidden = false;
        drawSeriesButtons(r, seriesEl, fields);
        draw(r);
        if (window.AimdbGraph) window.AimdbGraph.setLive($('topology'), key, '= ' + valueEl.textContent);
      },
    };
    records.set(key, r);
    return r;
  }

  // ---- a record family: a grid of its instances --------------------------------------
  // One panel per family, one cell per declared instance: its latest value and its
  // liveness, `data-state` online (its node is up, or its value is fresh), offline (its node
  // said offline: its last will, or its goodbye), stale (no value for STALE_MS) or unknown
  // (nothing heard yet).
  function grid(family) {
    const id = 'family-' + family.path.replace(/[^A-Za-z0-9_-]/g, '_');
    if (document.getElementById(id)) return;
    const panel = h('section', { class: 'panel family', id, 'data-path': family.path });
    const heading = h('h2', {}, family.path + ' ');
    const summary = h('span', { class: 'hint family-summary' });
    heading.append(summary);
    const cells = h('div', { class: 'zones' });
    panel.append(heading, cells);
    $('records-panel').before(panel);
    const all = [];
    family.instances.forEach((instance, index) => {
      const path = family.path.replace('{instance}', instance).replace('{index}', String(index));
      const node = family.nodes[index];
      const root = h('div', { class: 'zone', 'data-instance': instance, 'data-node': node, 'data-state': 'unknown', title: node });
      const name = h('span', { class: 'zone-name' }, instance);
      const value = h('span', { class: 'zone-value', 'data-json': '' }, '—');
      const liveness = h('span', { class: 'zone-liveness' }, 'unknown');
      root.append(name, value, liveness);
      cells.append(root);
      const z = {
        instance, node, root, value, last: null, receivedAt: 0, refused: 0,
        set(state, why) {
          if (root.dataset.state === state && root.title === why) return;
          root.dataset.state = state;
          liveness.textContent = state;
          root.title = why;
        },
        update(message) {
          z.last = message;
          z.receivedAt = Date.now();
          const fields = numbers(message.value, '', {});
          const chosen = primary(fields);
          value.dataset.json = JSON.stringify(message.value);
          value.textContent = chosen !== undefined ? formatNumber(fields[chosen]) : value.dataset.json;
          z.refresh();
        },
        // The cell's liveness from its node's and its value's.
        refresh() {
          const online = nodes.get(node);
          const age = z.last ? Date.now() - z.receivedAt : Infinity;
          if (online === false) z.set('offline', `node ${node} is offline`);
          else if (z.last && age > STALE_MS) z.set('stale', `no value for ${(age / 1000).toFixed(1)} s`);
          else if (online === true || z.last) z.set('online', `node ${node} is up`);
          else z.set('unknown', `nothing heard of node ${node} yet`);
        },
      };
      zones.set(path, z);
      all.push(z);
    });
    const count = () => {
      const by = {};
      for (const z of all) by[z.root.dataset.state] = (by[z.root.dataset.state] || 0) + 1;
      summary.textContent = `(${all.length} instances: ` +
        ['online', 'stale', 'offline', 'unknown'].filter((s) => by[s]).map((s) => `${by[s]} ${s}`).join(' · ') + ')';
      panel.dataset.online = String(by.online || 0);
    };
    all.count = count;
    grids.push(all);
    count();
  }
  const grids = [];

  // A card goes stale when its value is older than STALE_MS or its producer's node is
  // offline; it says why, and comes back with the next value.
  function freshness() {
    if (!socket && !nodeMode) return; // disconnected: every card is already marked stale
    for (const z of zones.values()) z.refresh();
    for (const all of grids) all.count();
    for (const r of records.values()) {
      if (!r.last) continue;
      const owner = window.AimdbGraph ? window.AimdbGraph.ownerOf($('topology'), r.key) : null;
      const age = Date.now() - r.receivedAt;
      let why = '';
      if (owner && nodes.get(owner) === false) why = `its producer, node ${owner}, is offline`;
      else if (age > STALE_MS) why = `no value for ${(age / 1000).toFixed(1)} s`;
      r.valueEl.classList.toggle('stale', why !== '');
      r.valueEl.dataset.stale = why;
      r.root.querySelector('.freshness').textContent = why ? 'stale: ' + why : '';
    }
  }
  setInterval(freshness, 500);

  // 19:25:26.123, local time.
  function clock(ms) {
    const t = new Date(ms);
    const two = (n) => String(n).padStart(2, '0');
    return `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, '0')}`;
  }

  function formatNumber(n) {
    return Number.isInteger(n) ? String(n) : n.toFixed(Math.abs(n) < 10 ? 3 : 2);
  }

  function drawSeriesButtons(r, el, fields) {
    const names = Object.keys(fields);
    if (names.length < 2 || el.dataset.names === names.join(',')) {
      for (const b of el.querySelectorAll('button')) b.classList.toggle('on', b.dataset.field === r.chosen);
      return;
    }
    el.dataset.names = names.join(',');
    el.replaceChildren(h('span', { class: 'hint' }, 'chart: '));
    for (const name of names) {
      const b = h('button', { type: 'button', 'data-field': name }, name);
      b.classList.toggle('on', name === r.chosen);
      b.addEventListener('click', () => {
        r.chosen = name;
        drawSeriesButtons(r, el, fields);
        draw(r);
      });
      el.append(b);
    }
  }

  // ---- the chart: a line of the chosen field over time, axes labelled with its range ----
  function draw(r) {
    const c = r.canvas;
    const g = c.getContext('2d');
    const W = c.width;
    const H = c.height;
    g.clearRect(0, 0, W, H);
    const pts = r.points.filter((p) => r.chosen in p.fields);
    if (!pts.length) return;
    const ys = pts.map((p) => p.fields[r.chosen]);
    let lo = Math.min(...ys);
    let hi = Math.max(...ys);
    if (hi === lo) { hi += 1; lo -= 1; }
    const t0 = pts[0].ts;
    const t1 = Math.max(pts[pts.length - 1].ts, t0 + 1);
    const L = 90, R = 20, T = 20, B = 40;
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
    g.strokeStyle = '#dde3ea';
    g.lineWidth = 2;
    g.font = '22px ui-monospace, monospace';
    g.fillStyle = '#6b7a8a';
    for (const v of [lo, (lo + hi) / 2, hi]) {
      g.beginPath(); g.moveTo(L, y(v)); g.lineTo(W - R, y(v)); g.stroke();
      g.fillText(formatNumber(v), 6, y(v) + 7);
    }
    g.fillText(`${((t1 - t0) / 1000).toFixed(1)} s, ${pts.length} values`, L, H - 8);
    g.strokeStyle = '#0b5cad';
    g.lineWidth = 4;
    g.beginPath();
    pts.forEach((p, i) => (i ? g.lineTo : g.moveTo).call(g, x(p.ts), y(p.fields[r.chosen])));
    g.stroke();
    const lastPt = pts[pts.length - 1];
    g.fillStyle = '#0b5cad';
    g.beginPath(); g.arc(x(lastPt.ts), y(lastPt.fields[r.chosen]), 7, 0, 2 * Math.PI); g.fill();
  }

  // ---- the topology -----------------------------------------------------------------
  function loadGraph() {
    fetch(withToken('/graph'), { cache: 'no-store' })
      .then((response) => {
        if (response.status === 404) throw new Error('this node serves no graph');
        if (!response.ok) throw new Error('graph: HTTP ' + response.status);
        return response.text();
      })
      .then((text) => {
        window.AimdbGraph.render($('topology'), text);
        for (const r of records.values()) {
          if (r.last) window.AimdbGraph.setLive($('topology'), r.key, '= ' + r.valueEl.textContent);
        }
        for (const [node, online] of nodes) window.AimdbGraph.setNode($('topology'), node, online);
        $('topology').dataset.loaded = 'true';
      })
      .catch((error) => {
        $('topology').replaceChildren(h('p', { class: 'hint' }, String(error.message || error)));
        setTimeout(loadGraph, 5000);
      });
  }

  // What the page's own node (node.js) calls: its taps' values, its link's state.
  window.AimdbDashboard = {
    nodeMode,
    // A value of `key` from the node's tap; `seq` numbers the values the tap saw.
    value(key, value, seq) {
      handle({ type: 'value', key, value, seq, ts: Date.now() });
    },
    // The node's own records and the contract of each, as a host's hello says them.
    hello(title, readable, contractsOf, writable) {
      handle({ type: 'hello', title, readable, contracts: contractsOf, writable: writable || [] });
    },
    status: setStatus,
    node(name, online) {
      handle({ type: 'node', node: name, online });
    },
    writable(key, submit) {
      card(key).setWritable(submit);
    },
    reply(key, text, isError) {
      card(key).reply(text, isError);
    },
  };

  loadGraph();
  if (!nodeMode) connect();
  else setStatus('connecting', 'starting the browser node…');
})();
