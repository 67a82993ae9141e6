// The browser node: the wasm build of a topology file's browser node (built by
// scripts/build-browser.sh and served under /pkg/), started when the page's address names
// the broker's MQTT-over-WebSocket listener:
//   /#broker=ws://127.0.0.1:19001&user=browser&password=...             climate: `browser`
//   /#node=console_a&broker=ws://127.0.0.1:19001&user=console_a&password=...
//                                                         setpoint: operator console A
// The password stays in the fragment, which the browser never sends to a server. The
// node's tap calls `onReading` for every reading; the dashboard (app.js) is fed from it,
// redrawn at most once per animation frame, and the test hook `window.__aimdbNode` keeps
// every reading with its arrival time.
const started = performance.now();
const hash = new URLSearchParams(location.hash.slice(1));
const broker = hash.get('broker');
const READING = 'climate/zone-a/reading';

// The test hook: what the node delivered, and when (performance.now(), ms since the
// page's time origin).
const hook = {
  started,
  ready: null, // the wasm module is instantiated
  firstReading: null,
  readings: [], // [seq, celsius, taken_us, at]
  keep: Number(hash.get('keep')) || 20000, // the most readings kept (a long run drops old ones)
  stats: () => [],
  error: null,
};
window.__aimdbNode = hook;

const dashboard = window.AimdbDashboard;
let pending = null; // the newest reading not yet drawn
let shown = 0;

function draw() {
  const reading = pending;
  pending = null;
  if (!reading || !dashboard) return;
  shown += 1;
  dashboard.value(READING, { seq: reading[0], celsius: reading[1], taken_us: reading[2] }, shown);
}

function onReading(seq, celsius, takenUs) {
  const at = performance.now();
  if (hook.firstReading === null) hook.firstReading = at;
  if (hook.readings.length >= hook.keep) hook.readings.splice(0, hook.keep / 2);
  const reading = [seq, celsius, takenUs, at];
  hook.readings.push(reading);
  if (pending === null) requestAnimationFrame(draw);
  pending = reading;
}

async function main() {
  const node = await import('./pkg/climate_browser.js');
  await node.default();
  hook.ready = performance.now();
  hook.stats = () => Array.from(node.link_stats());
  hook.allocations = () => node.allocations();
  // The node's record and its contract, as a host node's hello would say them.
  if (dashboard) dashboard.hello('climate · browser node', [READING], { [READING]: node.contract() });
  node.start(broker, hash.get('user') || '', hash.get('password') || '', onReading);
  // The link's state in the header, from the connector's own counters.
  setInterval(() => {
    const [connected, connects, reconnects, received, decodeErrors, mismatches] = hook.stats();
    const counts = document.getElementById('counts');
    if (counts) {
      const refused = decodeErrors + mismatches ? ` · refused ${decodeErrors} undecodable, ${mismatches} schema mismatch` : '';
      counts.textContent = `${received} readings over MQTT · session ${connects}${refused}`;
    }
    if (!dashboard) return;
    if (connected) dashboard.status('connected', `live · node browser over MQTT/WebSocket · ${reconnects} reconnects`);
    else dashboard.status('disconnected', connects ? 'broker lost, reconnecting…' : 'connecting to the broker…');
  }, 250);
}

// Operator console A of the setpoint system: its form produces the request record the
// node owns; the applied setpoint comes back from the controller through its tap.
const REQUEST = 'setpoint/request/operator-a';
const APPLIED = 'setpoint/applied';
hook.applied = []; // [tenths, origin, at]
hook.requested = []; // tenths, as the form produced them

async function operatorConsole() {
  const node = await import('./pkg/setpoint_browser.js');
  await node.default();
  hook.ready = performance.now();
  hook.stats = () => Array.from(node.link_stats());
  const [request, applied] = node.contracts();
  let shown = 0;
  if (dashboard) {
    dashboard.hello('setpoint · operator console A (browser node)', [APPLIED], { [REQUEST]: request, [APPLIED]: applied });
    // The form: degrees, produced as tenths into the record this node owns.
    dashboard.writable(REQUEST, (value) => {
      const tenths = Math.round(Number(value) * 10);
      if (!Number.isFinite(tenths)) return 'not a number of degrees';
      try {
        node.request(tenths);
      } catch (error) {
        return 'refused: ' + error;
      }
      hook.requested.push(tenths);
      return `requested ${(tenths / 10).toFixed(1)} °C`;
    });
  }
  node.start(broker, hash.get('user') || '', hash.get('password') || '', (tenths, origin) => {
    hook.applied.push([tenths, origin, performance.now()]);
    shown += 1;
    if (dashboard) dashboard.value(APPLIED, { celsius: tenths / 10, origin }, shown);
  });
  setInterval(() => {
    const [connected, connects, reconnects, sent, received] = hook.stats();
    const counts = document.getElementById('counts');
    if (counts) counts.textContent = `${sent} requests sent · ${received} applied received · session ${connects}`;
    if (!dashboard) return;
    if (connected) dashboard.status('connected', `live · node console_a over MQTT/WebSocket · ${reconnects} reconnects`);
    else dashboard.status('disconnected', connects ? 'broker lost, reconnecting…' : 'connecting to the broker…');
  }, 250);
}

if (broker) {
  (hash.get('node') === 'console_a' ? operatorConsole() : main()).catch((error) => {
    hook.error = String(error && error.message ? error.message : error);
    if (dashboard) dashboard.status('disconnected', 'the browser node failed: ' + hook.error);
  });
}
