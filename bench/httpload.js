// HTTP load for the REST-write scenario: `writers` concurrent clients POST back to back (keep-alive,
// one request in flight each) for `seconds`, while one reader GETs `read_path` back to back; prints
// one JSON line with requests/s, status counts and latency percentiles of both.
//
//   node bench/httpload.js '{"url": "http://127.0.0.1:5000", "path": "/api/v1/news", "body": {...},
//                            "headers": {...}, "writers": 8, "seconds": 5, "read_path": "/api/v1/news?limit=5"}'
//
// Node, not Python: a Python client would spend as much CPU per request as the server it measures.
"use strict";
const http = require("http");

const opts = JSON.parse(process.argv[2]);
const base = new URL(opts.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: (opts.writers || 1) + 2 });
// `spread: true`: writer i has its own keep-alive connection from its own loopback address
// 127.b.c.1, so that nginx's ip_hash spreads the writers over the web processes (see loadgen.js).
const agents = [agent];
function writerAgent(i) {
  if (!opts.spread) return agent;
  const own = new http.Agent({
    keepAlive: true, maxSockets: 1, localAddress: `127.${1 + (Math.floor(i / 256) % 254)}.${i % 256}.1`,
  });
  agents.push(own);
  return own;
}
const now = () => performance.now();

function request(method, path, body, headers, via = agent) {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const started = now();
    const req = http.request(
      {
        host: base.hostname, port: base.port, method, path, agent: via,
        headers: { ...(headers || {}), ...(payload ? { "Content-Type": "application/json", "Content-Length": payload.length } : {}) },
      },
      (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve({ status: res.statusCode, ms: now() - started }));
      },
    );
    req.setTimeout(60000, () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0, ms: now() - started }));
    if (payload) req.write(payload);
    req.end();
  });
}

function summary(latencies, statuses, seconds) {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
  const ok = Object.entries(statuses).filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0);
  return {
    requests: latencies.length, ok, statuses, per_s: ok / seconds,
    ms: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1] : null },
  };
}

async function main() {
  const seconds = opts.seconds || 5;
  const deadline = now() + seconds * 1000;
  const writes = [], writeStatus = {}, reads = [], readStatus = {};
  let n = 0;
  const writer = async (_, i) => {
    const via = writerAgent(i);
    while (now() < deadline) {
      const body = JSON.parse(JSON.stringify(opts.body).replaceAll("{n}", String(n++)));
      const r = await request("POST", opts.path, body, opts.headers, via);
      writes.push(r.ms);
      writeStatus[r.status] = (writeStatus[r.status] || 0) + 1;
    }
  };
  const reader = async () => {
    while (now() < deadline) {
      const r = await request("GET", opts.read_path, undefined, opts.read_headers);
      reads.push(r.ms);
      readStatus[r.status] = (readStatus[r.status] || 0) + 1;
      await new Promise((ok) => setTimeout(ok, opts.read_pause_ms ?? 10));
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await Promise.all([...Array.from({ length: opts.writers || 0 }, writer), ...(opts.read_path ? [reader()] : [])]);
  const wall = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      seconds: wall, writes: summary(writes, writeStatus, wall), reads: summary(reads, readStatus, wall),
      gen_core_share: (cpu.user + cpu.system) / 1e6 / wall,
    }) + "\n",
  );
  for (const a of agents) a.destroy();
}

main();
