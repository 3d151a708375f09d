// Load generator: many raw WebSocket connections per process, speaking Engine.IO v4 / Socket.IO v5
// framing directly (no socket.io-client: a full client costs as much per delivery as a server).
//
//   node bench/loadgen.js '{"url": "ws://127.0.0.1:5000", "clients": 1000, "topics": 1}'
//
// Client i subscribes to bench.<i % topics> on /live. Commands arrive as JSON lines on stdin:
//   {"cmd": "report", "step": k, "expected": E, "wait_ms": W}  -> waits until E deliveries of step k
//        arrived (or W ms), prints one JSON line: received, lost, latency percentiles + CDF, own CPU.
//   {"cmd": "mark"}  -> starts the CPU clock of the next step;  {"cmd": "quit"}
// Every event carries its send time `t` (ms since the epoch, same machine) and its step `s`.
"use strict";
const net = require("net");
const readline = require("readline");

const opts = JSON.parse(process.argv[2]);
const N = opts.clients;
const TOPICS = opts.topics || 1;
const CONCURRENCY = opts.concurrency || 200;
// With several generator processes (bench/multigen.py), process k runs clients offset .. offset+N-1
// and reports its raw histogram (`hist: true`) so that the percentiles are taken over all of them.
const OFFSET = opts.offset || 0;
const BUCKET_US = 50; // histogram resolution: 50 µs buckets up to 20 s
const NBUCKETS = 400000;
const url = opts.url.replace(/\/$/, "") + "/socket.io/?EIO=4&transport=websocket";
// `spread: true`: client i connects from its own loopback address 127.b.c.1 (Linux routes all of
// 127/8 to lo), so that nginx's ip_hash (which hashes an address's first three bytes) spreads the
// clients over the web processes as it would spread real clients; from 127.0.0.1 all would land on one.
function sourceAddress(i) {
  return `127.${1 + (Math.floor(i / 256) % 254)}.${i % 256}.1`;
}
const now = () => performance.timeOrigin + performance.now();
// How late this process's event loop runs ready callbacks: if the generator itself is behind, it
// shows here (and in the latency) rather than in the server.
const loopDelay = require("perf_hooks").monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

const steps = new Map(); // step -> {received, hist}
function stepOf(s) {
  let st = steps.get(s);
  if (!st) {
    // events: send time -> [first, last] arrival here, for the spread of one event over the clients
    st = { received: 0, hist: new Int32Array(NBUCKETS), max: 0, events: new Map() };
    steps.set(s, st);
  }
  return st;
}

let catchupStart = 0;
let subscribed = 0, failed = 0, closed = 0, errors = 0, stray = 0;
const sockets = [];

function recordDelivery(t, s) {
  // '42/live,["event",{... "t":1700000000000.123,"s":3, ...}]' — no JSON.parse per delivery.
  const st = stepOf(s);
  st.received++;
  if (opts.expect_count && st.received === opts.expect_count) {
    out({ catchup: true, received: st.received, ms: now() - catchupStart });
    process.exit(0);
  }
  const arrived = now();
  const lat = arrived - t;
  const seen = st.events.get(t);
  if (seen === undefined) st.events.set(t, [arrived, arrived]);
  else seen[1] = arrived;
  let b = Math.floor((lat * 1000) / BUCKET_US);
  if (b < 0) b = 0; else if (b >= NBUCKETS) b = NBUCKETS - 1;
  st.hist[b]++;
  if (lat > st.max) st.max = lat;
}

// -- a minimal WebSocket client on raw TCP: one 'data' callback per TCP read, frames parsed in place,
// no per-message event objects (the `ws` package cost ~12 µs per message here; this ~1-2 µs).
const T_KEY = Buffer.from('"t":');
const S_KEY = Buffer.from('"s":');
const PREFIX_EVENT = Buffer.from("42/live,");

function maskedFrame(text) {
  // Client frames must be masked; a zero mask key leaves the payload as is.
  const payload = Buffer.from(text);
  const n = payload.length;
  let header;
  if (n < 126) header = Buffer.from([0x81, 0x80 | n, 0, 0, 0, 0]);
  else header = Buffer.from([0x81, 0x80 | 126, n >> 8, n & 255, 0, 0, 0, 0]);
  return Buffer.concat([header, payload]);
}
const PONG = maskedFrame("3");

function parseNumber(buf, i, end) {
  // a JSON number (digits, '.', '-', 'e') starting at i
  let j = i;
  while (j < end) {
    const c = buf[j];
    if ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 101 || c === 43) j++;
    else break;
  }
  return Number(buf.latin1Slice(i, j));
}

function onEventFrame(buf, start, end) {
  const ti = buf.indexOf(T_KEY, start);
  const si = buf.indexOf(S_KEY, start);
  if (ti < 0 || si < 0 || ti >= end || si >= end) { stray++; return; }
  const t = parseNumber(buf, ti + 4, end);
  const s = parseNumber(buf, si + 4, end);
  recordDelivery(t, s);
}

function connect(i) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const sock = net.connect({
      host: u.hostname, port: Number(u.port), ...(opts.spread ? { localAddress: sourceAddress(OFFSET + i) } : {}),
    });
    sock.setNoDelay(true);
    let done = false;
    let handshaken = false;
    let pending = null; // unparsed bytes
    const finish = (ok) => { if (!done) { done = true; ok ? subscribed++ : failed++; resolve(); } };
    const timer = setTimeout(() => { finish(false); sock.destroy(); }, 60000);
    const onText = (buf, start, end) => {
      const c0 = buf[start];
      if (c0 === 52 /* 4 */) {
        if (buf[start + 1] === 50 /* 2 */ && end - start > 8) return onEventFrame(buf, start, end);
        const text = buf.toString("utf8", start, end);
        if (text.startsWith("40/live,")) {
          // `extra_topic`: every client also follows one shared topic (bench/fanout.py --one-topic-on-grid).
          const sub = { topics: ["bench." + ((OFFSET + i) % TOPICS), ...(opts.extra_topic ? [opts.extra_topic] : [])] };
          if (opts.since !== undefined) { sub.since = opts.since; catchupStart = now(); }
          sock.write(maskedFrame("42/live,1" + JSON.stringify(["subscribe", sub])));
        } else if (text.startsWith("43/live,1")) {
          clearTimeout(timer);
          finish(text.indexOf('"ok":true') >= 0);
        } else if (text.startsWith("44/live,")) { clearTimeout(timer); finish(false); }
      } else if (c0 === 50 /* 2: ping */ && end - start === 1) sock.write(PONG);
      else if (c0 === 48 /* 0: open */) sock.write(maskedFrame("40/live,"));
    };
    sock.on("connect", () => {
      sock.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    });
    sock.on("data", (chunk) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let p = 0;
      if (!handshaken) {
        const h = buf.indexOf("\r\n\r\n");
        if (h < 0) { pending = buf; return; }
        if (!buf.toString("latin1", 0, 12).includes("101")) { finish(false); sock.destroy(); return; }
        handshaken = true;
        p = h + 4;
      }
      const len = buf.length;
      while (p + 2 <= len) {
        const b0 = buf[p], b1 = buf[p + 1] & 0x7f;
        let hl = 2, n = b1;
        if (b1 === 126) { if (p + 4 > len) break; n = buf.readUInt16BE(p + 2); hl = 4; }
        else if (b1 === 127) { if (p + 10 > len) break; n = Number(buf.readBigUInt64BE(p + 2)); hl = 10; }
        if (p + hl + n > len) break;
        const op = b0 & 0x0f;
        if (op === 1) onText(buf, p + hl, p + hl + n);
        else if (op === 8) { sock.end(); }
        else if (op === 9) { /* ping: answer with pong of the same payload */
          const pl = buf.subarray(p + hl, p + hl + n);
          sock.write(Buffer.concat([Buffer.from([0x8a, 0x80 | pl.length, 0, 0, 0, 0]), pl]));
        }
        p += hl + n;
      }
      if (p < len) pending = buf.subarray(p);
    });
    sock.on("error", () => { errors++; clearTimeout(timer); finish(false); });
    sock.on("close", () => { closed++; clearTimeout(timer); finish(false); });
    sockets.push(sock);
  });
}

async function connectAll() {
  const t0 = Date.now();
  let next = 0;
  const worker = async () => { while (next < N) await connect(next++); };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, N) }, worker));
  out({ ready: true, subscribed, failed, connect_ms: Date.now() - t0 });
}

function out(obj) { process.stdout.write(JSON.stringify(obj) + "\n"); }

function percentiles(st) {
  const total = st.received;
  const qs = [0.5, 0.9, 0.99, 0.999];
  const res = {};
  const cdf = [];
  if (total === 0) return { p: {}, cdf };
  let cum = 0, qi = 0;
  const cdfTargets = [];
  for (let k = 1; k <= 100; k++) cdfTargets.push(k / 100);
  cdfTargets.push(0.995, 0.999);
  cdfTargets.sort((a, b) => a - b);
  let ci = 0;
  for (let b = 0; b < NBUCKETS && (qi < qs.length || ci < cdfTargets.length); b++) {
    if (st.hist[b] === 0) continue;
    cum += st.hist[b];
    const ms = ((b + 1) * BUCKET_US) / 1000;
    while (qi < qs.length && cum >= qs[qi] * total) { res["p" + String(qs[qi] * 100).replace(".", "_")] = ms; qi++; }
    while (ci < cdfTargets.length && cum >= cdfTargets[ci] * total) { cdf.push([ms, cdfTargets[ci]]); ci++; }
  }
  res.max = st.max;
  return { p: res, cdf };
}

function sparse(hist) {
  const pairs = [];
  for (let b = 0; b < NBUCKETS; b++) if (hist[b]) pairs.push([b, hist[b]]);
  return pairs;
}

let cpuMark = process.cpuUsage(), wallMark = performance.now();
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = JSON.parse(line);
  if (cmd.cmd === "mark") {
    cpuMark = process.cpuUsage(); wallMark = performance.now();
    loopDelay.reset();
    out({ marked: true });
  } else if (cmd.cmd === "report") {
    const st = stepOf(cmd.step);
    const cpu = process.cpuUsage(cpuMark); // the publishing window only (not the drain wait)
    const wall = performance.now() - wallMark;
    const deadline = Date.now() + (cmd.wait_ms || 2000);
    const check = () => {
      if (st.received >= cmd.expected || Date.now() >= deadline) {
        const { p, cdf } = percentiles(st);
        // Per event: from its first to its last arrival in this process (the server's write of one
        // event to every client, plus whatever delayed this process's reads).
        const spreads = Float64Array.from(st.events.values(), (e) => e[1] - e[0]).sort();
        const at = (q) => (spreads.length ? spreads[Math.min(spreads.length - 1, Math.floor(q * spreads.length))] : 0);
        out({
          step: cmd.step, received: st.received, expected: cmd.expected, lost: Math.max(0, cmd.expected - st.received),
          latency_ms: p, cdf, gen_cpu_ms: (cpu.user + cpu.system) / 1000, gen_wall_ms: wall,
          gen_core_share: (cpu.user + cpu.system) / 1000 / wall, closed, errors, stray,
          spread_ms: { p50: at(0.5), p99: at(0.99), max: at(1) }, events: spreads.length,
          loop_delay_ms: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
          ...(opts.hist ? { hist: sparse(st.hist), max_ms: st.max } : {}),
        });
        steps.delete(cmd.step);
      } else setTimeout(check, 20);
    };
    check();
  } else if (cmd.cmd === "quit") {
    for (const sock of sockets) sock.destroy();
    out({ bye: true });
    process.exit(0);
  }
});
connectAll();
