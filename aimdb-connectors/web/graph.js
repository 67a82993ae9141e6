// The topology picture: the JSON the node serves at /graph (the compiler's model, rendered
// at build time) drawn as SVG by hand, since no diagram library may be downloaded. Exposes
// `window.AimdbGraph`.
(function () {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const CHAR = 7.4; // px per character of the 12px monospace font, for box widths
  const LINE = 16;
  const LABEL_CHAR = 6.7; // px per character of the 11px edge labels
  const PAD = 12;

  // The picture `aimdb graph --format json` prints (aimdb-compiler/src/report/json.rs),
  // built from the compiler's model: { nodes: [{id, title, boxes: [{id, name, lines,
  // owner}]}], outside: [{id, label}], edges: [{from, to, label, local}] }. Anything else is
  // refused with a message rather than half drawn.
  function parse(text) {
    const graph = JSON.parse(text);
    const list = (v, what) => {
      if (!Array.isArray(v)) throw new Error('graph: ' + what + ' is not a list');
      return v;
    };
    list(graph.nodes, 'nodes').forEach((n) => list(n.boxes, 'a node\'s boxes').forEach((b) => list(b.lines, 'a box\'s lines')));
    list(graph.outside, 'outside');
    list(graph.edges, 'edges');
    return graph;
  }

  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A node's column is its depth in the links: a node every one of whose inputs comes from
  // outside (or from nowhere) is in the first, a node fed by it in the next, and so on, so a
  // link never crosses another node's box (the sensor feeding both the dashboard and the
  // browser puts those two in one column, one above the other). Nodes are taken in file
  // order, and a link back to a node already placed (a cycle) does not move it.
  function depths(graph) {
    const nodeOf = {};
    for (const n of graph.nodes) for (const b of n.boxes) nodeOf[b.id] = n.id;
    const depth = {};
    for (const n of graph.nodes) {
      let d = 0;
      for (const e of graph.edges) {
        const from = nodeOf[e.from];
        if (nodeOf[e.to] === n.id && from && from !== n.id && depth[from] !== undefined) {
          d = Math.max(d, depth[from] + 1);
        }
      }
      depth[n.id] = d;
    }
    return depth;
  }

  // Columns: outside sources, then the nodes by depth, then outside sinks.
  function layout(graph) {
    const feeds = new Set(graph.edges.map((e) => e.from));
    const columns = [];
    const sources = graph.outside.filter((o) => feeds.has(o.id));
    const sinks = graph.outside.filter((o) => !feeds.has(o.id));
    // An outside endpoint's address is already the label of its edge: the box only says
    // that the other end is not in this file.
    const outsideColumn = (items) => ({
      kind: 'outside',
      items: items.map((o) => ({ id: o.id, lines: ['outside this file'], width: 17 * CHAR + 2 * PAD, height: LINE + 2 * PAD })),
    });
    if (sources.length) columns.push(outsideColumn(sources));
    const depth = depths(graph);
    const nodeColumns = [];
    for (const n of graph.nodes) {
      const items = n.boxes.map((b) => {
        const longest = Math.max(b.name.length + (b.owner ? 8 : 0), ...b.lines.map((l) => l.length));
        // One line more than the label: the record's live value, written by `setLive`.
        return { id: b.id, box: b, width: longest * CHAR + 2 * PAD, height: (2 + b.lines.length) * LINE + 2 * PAD };
      });
      const at = depth[n.id];
      nodeColumns[at] = nodeColumns[at] || { kind: 'nodes', clusters: [] };
      nodeColumns[at].clusters.push({ node: n, items });
    }
    for (const col of nodeColumns) if (col) columns.push(col);
    if (sinks.length) columns.push(outsideColumn(sinks));
    // Room between columns for the longest edge label.
    const gap = Math.max(80, ...graph.edges.map((e) => e.label.length * LABEL_CHAR + 30));
    const at = {};
    let x = 10;
    let height = 0;
    for (const col of columns) {
      if (col.kind === 'nodes') {
        const items = col.clusters.flatMap((c) => c.items);
        const inner = Math.max(60, ...items.map((i) => i.width));
        // The title gets ` · offline` appended by `setNode`: room for it, so it is not clipped.
        const title = Math.max(...col.clusters.map((c) => (c.node.title.length + 10) * CHAR + 2 * PAD));
        col.width = Math.max(inner + 2 * PAD, title);
        let y = 10;
        for (const cluster of col.clusters) {
          cluster.y = y;
          y += 30;
          for (const item of cluster.items) {
            item.x = x + (col.width - item.width) / 2;
            item.y = y;
            at[item.id] = item;
            y += item.height + PAD;
          }
          cluster.height = y - cluster.y;
          y += 2 * PAD;
        }
        height = Math.max(height, y + 20);
      } else {
        col.width = Math.max(60, ...col.items.map((i) => i.width)) + 2 * PAD;
        let y = 40 + PAD;
        for (const item of col.items) {
          item.x = x + (col.width - item.width) / 2;
          item.y = y;
          at[item.id] = item;
          y += item.height + PAD;
        }
        height = Math.max(height, y + 40);
      }
      col.x = x;
      x += col.width + gap;
    }
    return { columns, at, width: x - gap + 10, height };
  }

  function render(container, text) {
    const graph = parse(text);
    const { columns, at, width, height } = layout(graph);
    const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'topology' });
    // Never drawn larger than life: small systems stay readable, large ones shrink to fit.
    svg.style.maxWidth = width + 'px';
    svg.appendChild(el('defs')).appendChild(arrowMarker());
    for (const col of columns) {
      if (col.kind === 'nodes') {
        for (const cluster of col.clusters) {
          const g = svg.appendChild(el('g', { class: 'cluster', 'data-node': cluster.node.id }));
          g.appendChild(el('rect', { x: col.x, y: cluster.y, width: col.width, height: cluster.height, rx: 8 }));
          g.appendChild(el('text', { class: 'title', x: col.x + PAD, y: cluster.y + 20 }, cluster.node.title));
          for (const item of cluster.items) svg.appendChild(recordBox(item));
        }
      } else {
        for (const item of col.items) svg.appendChild(outsideBox(item));
      }
    }
    for (const edge of graph.edges) {
      const a = at[edge.from];
      const b = at[edge.to];
      if (a && b) svg.appendChild(edgePath(edge, a, b));
    }
    container.replaceChildren(svg);
    return graph;
  }

  function arrowMarker() {
    const m = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    m.appendChild(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#3b4b5c' }));
    return m;
  }

  function recordBox(item) {
    const b = item.box;
    const key = b.lines[0] || '';
    const g = el('g', { class: 'box' + (b.owner ? ' owner' : ''), 'data-id': b.id, 'data-key': key, 'data-owner': String(b.owner) });
    g.appendChild(el('rect', { x: item.x, y: item.y, width: item.width, height: item.height, rx: 5 }));
    let y = item.y + PAD + 12;
    g.appendChild(el('text', { class: 'name', x: item.x + PAD, y }, b.name));
    if (b.owner) {
      const tx = item.x + item.width - PAD - 44;
      g.appendChild(el('rect', { class: 'owner-tag-bg', x: tx, y: y - 11, width: 44, height: 15, rx: 7 }));
      g.appendChild(el('text', { class: 'owner-tag', x: tx + 6, y }, 'owner'));
    }
    for (const line of b.lines) {
      y += LINE;
      g.appendChild(el('text', { x: item.x + PAD, y }, line));
    }
    g.appendChild(el('text', { class: 'live', x: item.x + PAD, y: y + LINE, 'data-live': key }, ''));
    return g;
  }

  function outsideBox(item) {
    const g = el('g', { class: 'outside', 'data-id': item.id });
    g.appendChild(el('rect', { x: item.x, y: item.y, width: item.width, height: item.height, rx: 14 }));
    g.appendChild(el('text', { x: item.x + PAD, y: item.y + PAD + 12 }, item.lines[0]));
    return g;
  }

  function edgePath(edge, a, b) {
    const g = el('g', { class: 'edge' + (edge.local ? ' local' : '') });
    let x1, y1, x2, y2, d;
    if (a.x === b.x) {
      // In one column (a transform or join input): a loop on the right side.
      x1 = a.x + a.width; y1 = a.y + a.height / 2;
      x2 = b.x + b.width; y2 = b.y + b.height / 2;
      const bulge = Math.max(x1, x2) + 50;
      d = `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}`;
    } else {
      const forward = b.x > a.x;
      x1 = forward ? a.x + a.width : a.x; y1 = a.y + a.height / 2;
      x2 = forward ? b.x : b.x + b.width; y2 = b.y + b.height / 2;
      const mid = (x1 + x2) / 2;
      d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
    }
    g.appendChild(el('path', { d, 'marker-end': 'url(#arrow)' }));
    const lx = (x1 + x2) / 2;
    const ly = (y1 + y2) / 2 - 6;
    const w = edge.label.length * LABEL_CHAR + 8;
    g.appendChild(el('rect', { x: lx - w / 2, y: ly - 11, width: w, height: 15, rx: 3 }));
    g.appendChild(el('text', { x: lx, y: ly, 'text-anchor': 'middle' }, edge.label));
    return g;
  }

  // Write a record's live value under every box showing its key.
  function setLive(container, key, text) {
    for (const t of container.querySelectorAll('text.live')) {
      if (t.getAttribute('data-live') === key) t.textContent = text;
    }
  }

  // Mark a node's box in the picture as up (true), gone (false) or not known (null).
  function setNode(container, node, online) {
    const state = online === true ? 'online' : online === false ? 'offline' : 'unknown';
    for (const g of container.querySelectorAll('g.cluster')) {
      if (g.getAttribute('data-node') !== node) continue;
      g.setAttribute('data-online', state);
      const title = g.querySelector('text.title');
      if (!title.dataset.base) title.dataset.base = title.textContent;
      title.textContent = title.dataset.base + (state === 'unknown' ? '' : ' · ' + state);
    }
  }

  // The node whose box owns `key` (its producer), from the box ids `NODE__RECORD`.
  function ownerOf(container, key) {
    for (const b of container.querySelectorAll('g.box')) {
      if (b.getAttribute('data-key') === key && b.getAttribute('data-owner') === 'true') {
        return b.getAttribute('data-id').split('__')[0];
      }
    }
    return null;
  }

  window.AimdbGraph = { parse, render, setLive, setNode, ownerOf };
})();
