// The Node peer: socket.io 4 with the same protocol as bench/plain_app.py.
// `subscribe {"topics": [...]}` on /live joins rooms; POST /bench/publish broadcasts ~100-byte payloads
// round-robin to bench.<first> ... bench.<first + topics - 1>.
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 5100);
const PAD = "x".repeat(60);
const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/bench/publish") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const { rate, seconds, topics = 1, step = 0, first = 0 } = JSON.parse(body);
      const counts = new Array(topics).fill(0);
      const start = performance.now();
      let n = 0;
      const tick = () => {
        const elapsed = (performance.now() - start) / 1000;
        if (elapsed >= seconds) {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ published: n, per_topic: counts, seconds: elapsed }));
          return;
        }
        const due = Math.floor(elapsed * rate) + 1;
        while (n < due) {
          const topicNo = n % topics;
          io.of("/live").to(`topic:bench.${first + topicNo}`).emit("event", { t: performance.timeOrigin + performance.now(), s: step, pad: PAD });
          counts[topicNo] += 1;
          n += 1;
        }
        setTimeout(tick, Math.max(0, Math.min(5, ((n / rate) - elapsed) * 1000)));
      };
      tick();
    });
    return;
  }
  if (req.url === "/healthz") { res.writeHead(200); res.end("ok"); return; }
  res.writeHead(404);
  res.end();
});
const io = new Server(server, { cors: { origin: "*" } });
io.of("/live").on("connection", (socket) => {
  socket.on("subscribe", (data, ack) => {
    for (const t of (data && data.topics) || []) socket.join(`topic:${t}`);
    if (typeof ack === "function") ack({ ok: true });
  });
});
server.listen(port, "127.0.0.1", () => console.log(`node socket.io on ${port}`));
