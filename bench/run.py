"""`make bench`: fan-out, catch-up, event-log and memory scenarios, ours against the peers.

Writes bench/results/<date>.json, bench/results/<date>.md and PNG plots next to them.
Everything runs on 127.0.0.1 with bounded step counts and durations. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
P99_LIMIT_MS = 100.0


def log(*args: Any) -> None:
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# -- servers -------------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    kind: str  # ours | plain | node
    env: dict[str, str] = field(default_factory=dict)
    log_on: bool = True
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        try:
            return self._start()
        except BaseException:
            self.stop()  # never leave a half-started server behind
            raise

    def _start(self) -> Server:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"bench-{self.kind}-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOG_")}
        env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        if self.kind == "ours":
            env.update(
                DIALOG_INSTANCE_PATH=str(self.workdir),
                DIALOG_EMBEDDED_SCHEDULER="0",
                DIALOG_LOG_LEVEL="WARNING",
                DIALOG_ASYNC_MODE="gevent",
                DIALOG_WORKER_CONNECTIONS="20000",  # 10k WebSockets plus the control requests
                **self.env,
            )
            subprocess.run(
                [PY, "-m", "flask", "--app", "wsgi:app", "dialog", "migrate"],
                cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
            )
            cmd = [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{self.port}", "bench.dialog_bench:app"]
        elif self.kind == "plain":
            cmd = [
                PY, "-m", "gunicorn", "-c", str(BENCH / "gunicorn_plain.conf.py"),
                "-b", f"127.0.0.1:{self.port}", "bench.plain_app:app",
            ]
        else:
            cmd = ["node", str(BENCH / "node" / "server.js"), str(self.port)]
            env["NODE_PATH"] = str(BENCH / "node_modules")
        out = open(self.workdir / "server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {(self.workdir / 'server.log').read_text()[-2000:]}")
            try:
                requests.get(self.url + "/healthz", timeout=1)
                if self.kind == "node" or children(self.process.pid):
                    time.sleep(0.5)
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start")

    @property
    def worker_pid(self) -> int:
        assert self.process is not None
        if self.kind == "node":
            return self.process.pid
        kids = children(self.process.pid)
        return kids[0] if kids else self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def make_server(variant: str) -> Server:
    if variant == "ours":
        return Server("ours (fast path, log on)", "ours", {"DIALOG_FANOUT_FASTPATH": "1"})
    if variant == "ours-nofast":
        return Server("ours (fast path off, log on)", "ours", {"DIALOG_FANOUT_FASTPATH": "0"})
    if variant == "ours-nolog":
        return Server("ours (fast path, log off)", "ours", {"DIALOG_FANOUT_FASTPATH": "1"}, log_on=False)
    if variant == "node":
        return Server("Node socket.io 4.8", "node")
    if variant == "plain":
        return Server("plain Flask-SocketIO (gevent)", "plain")
    raise ValueError(variant)


# -- load generator --------------------------------------------------------------------------------
class LoadGen:
    def __init__(self, url: str, clients: int, topics: int, **extra: Any) -> None:
        opts = {"url": url.replace("http://", "ws://"), "clients": clients, "topics": topics, **extra}
        env = dict(os.environ, NODE_PATH=str(BENCH / "node_modules"))
        self.process = subprocess.Popen(
            ["node", str(BENCH / "loadgen.js"), json.dumps(opts)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, bufsize=1,
        )

    def read(self, timeout: float) -> dict[str, Any]:
        import select

        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError("load generator did not answer")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("load generator exited")
        return dict(json.loads(line))

    def send(self, cmd: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(cmd) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.send({"cmd": "quit"})
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(5)


def make_loadgen(url: str, clients: int, topics: int, args: argparse.Namespace) -> Any:
    """One generator process, or `--generators` of them acting as one (bench/multigen.py)."""
    if getattr(args, "generators", 1) > 1:
        from bench.multigen import MultiLoadGen

        return MultiLoadGen(url, clients, topics, args.generators)
    return LoadGen(url, clients, topics)


# -- scenarios -------------------------------------------------------------------------------------
def fanout(variant: str, clients: int, topics: int, args: argparse.Namespace) -> dict[str, Any]:
    server = make_server(variant).start()
    result: dict[str, Any] = {
        "variant": variant, "server": server.name, "clients": clients, "topics": topics, "steps": [],
        "load_at_start": os.getloadavg(),  # a neighbour's work shows here (the machine has 2 cores)
    }
    gen: LoadGen | None = None
    try:
        pid = server.worker_pid
        time.sleep(0.5)
        rss0 = rss_bytes(pid)
        gen = make_loadgen(server.url, clients, topics, args)
        ready = gen.read(timeout=180)
        result["connect"] = ready
        time.sleep(1.0)
        rss1 = rss_bytes(pid)
        result["rss_idle_before"] = rss0
        result["rss_idle_after"] = rss1
        result["rss_per_connection"] = (rss1 - rss0) / max(1, ready["subscribed"])
        per_topic_clients = [len(range(t, clients, topics)) for t in range(topics)]
        # Start near 5k deliveries/s and double: the first step that is not clean is the knee.
        rate = max(1.0, args.start_deliveries / (clients / topics))
        for step in range(1, args.max_steps + 1):
            gen.send({"cmd": "mark"})
            gen.read(timeout=10)
            cpu0 = cpu_seconds(pid)
            t0 = time.monotonic()
            pub = requests.post(
                server.url + "/bench/publish",
                json={"rate": rate, "seconds": args.step_seconds, "topics": topics, "step": step, "log": server.log_on},
                timeout=args.step_seconds + 60,
            ).json()
            cpu1 = cpu_seconds(pid)
            wall = time.monotonic() - t0
            expected = sum(n * c for n, c in zip(pub["per_topic"], per_topic_clients, strict=True))
            gen.send({"cmd": "report", "step": step, "expected": expected, "per_topic": pub["per_topic"], "wait_ms": 3000})
            rep = gen.read(timeout=30)
            p99 = rep["latency_ms"].get("p99", float("inf"))
            clean = rep["lost"] == 0 and p99 <= P99_LIMIT_MS
            entry = {
                "step": step,
                "rate_events_per_s": rate,
                "published": pub["published"],
                "expected": expected,
                "received": rep["received"],
                "lost": rep["lost"],
                "deliveries_per_s": rep["received"] / max(pub["seconds"], 1e-9),
                "latency_ms": rep["latency_ms"],
                "cdf": rep["cdf"],
                "server_cpu_s": cpu1 - cpu0,
                "server_cpu_share": (cpu1 - cpu0) / wall,
                "server_cpu_us_per_delivery": 1e6 * (cpu1 - cpu0) / max(1, rep["received"]),
                "gen_core_share": rep["gen_core_share"],
                "gen_busy": rep["gen_core_share"] > 0.7,
                "clean": clean,
            }
            result["steps"].append(entry)
            log(
                f"  {variant:12s} {clients:>6} clients {topics:>3} topics rate {rate:8.1f}/s: "
                f"{entry['deliveries_per_s']:>9.0f} deliveries/s p99 {p99:7.1f} ms lost {rep['lost']:>7} "
                f"server cpu {entry['server_cpu_share']:.2f} gen {rep['gen_core_share']:.2f}{' BUSY' if entry['gen_busy'] else ''}"
            )
            entry["lossless"] = rep["lost"] == 0
            # Go on past the knee while nothing is lost and p99 stays under 1 s, to see where
            # throughput itself saturates (the 10k-client figures are such points).
            if rep["lost"] or p99 > 1000:
                break
            rate *= 2
        clean_steps = [s for s in result["steps"] if s["clean"]]
        best = max(clean_steps, key=lambda s: s["deliveries_per_s"]) if clean_steps else None
        result["best_clean"] = best and {k: v for k, v in best.items() if k != "cdf"}
        result["best_clean_deliveries_per_s"] = best["deliveries_per_s"] if best else 0.0
        result["gen_busy_any"] = any(s["gen_busy"] for s in result["steps"])
        result["knee_reached"] = any(not s["clean"] for s in result["steps"])
        lossless = [s for s in result["steps"] if s["lost"] == 0]
        top = max(lossless, key=lambda s: s["deliveries_per_s"]) if lossless else None
        result["best_lossless_deliveries_per_s"] = top["deliveries_per_s"] if top else 0.0
        result["best_lossless_p99_ms"] = top["latency_ms"].get("p99") if top else None
    finally:
        if gen is not None:
            gen.stop()
        server.stop()
    return result


def catchup(args: argparse.Namespace) -> dict[str, Any]:
    """One client resuming 10k and 100k events behind, over Socket.IO and SSE."""
    server = make_server("ours").start()
    out: dict[str, Any] = {}
    try:
        total = max(args.catchup_sizes)
        t0 = time.monotonic()
        filled = requests.post(server.url + "/bench/fill", json={"count": total, "topic": "bench.0"}, timeout=600).json()
        out["fill_seconds"] = time.monotonic() - t0
        out["filled"] = filled["filled"]
        head = int(requests.get(server.url + "/api/v1/log", timeout=10).json()["head"])
        for n in args.catchup_sizes:
            gen = LoadGen(server.url, 1, 1, since=head - n, expect_count=n)
            try:
                got = gen.read(timeout=300)
                while "catchup" not in got:
                    got = gen.read(timeout=300)
            finally:
                gen.stop()
            out[f"socketio_{n}"] = {"events": n, "ms": got["ms"], "events_per_s": n / (got["ms"] / 1000)}
            log(f"  catch-up Socket.IO {n:>7} events: {n / (got['ms'] / 1000):>9.0f} events/s")
            ms = sse_catchup(server.url, head - n, n)
            out[f"sse_{n}"] = {"events": n, "ms": ms, "events_per_s": n / (ms / 1000)}
            log(f"  catch-up SSE       {n:>7} events: {n / (ms / 1000):>9.0f} events/s")
    finally:
        server.stop()
    return out


def sse_catchup(url: str, since: int, count: int) -> float:
    host, port = url.replace("http://", "").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    start = time.monotonic()
    sock.sendall(f"GET /api/v1/stream?topics=bench.0&since={since} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    marker = b"event: bench.tick\n"
    seen, tail = 0, b""
    deadline = start + 300
    try:
        while seen < count and time.monotonic() < deadline:
            chunk = sock.recv(1 << 18)
            if not chunk:
                break
            data = tail + chunk
            seen += data.count(marker)
            cut = max(0, len(data) - len(marker) + 1)
            seen -= data[cut:].count(marker)  # counted again with the next chunk
            tail = data[cut:]
    finally:
        sock.close()
    return (time.monotonic() - start) * 1000


def event_log(args: argparse.Namespace) -> dict[str, Any]:
    proc = subprocess.run(
        [PY, str(BENCH / "logbench.py"), "--events", str(args.log_events)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=900,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def machine() -> dict[str, Any]:
    model = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    sio = json.loads((BENCH / "node_modules" / "socket.io" / "package.json").read_text())["version"]
    from importlib.metadata import version

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": node,
        "node_socket_io": sio,
        "packages": {p: version(p) for p in ("python-socketio", "python-engineio", "Flask-SocketIO", "gevent", "gunicorn", "simple-websocket")},
        "load_at_start": os.getloadavg(),
        "nofile_limit": resource.getrlimit(resource.RLIMIT_NOFILE),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000", help="clients on one topic")
    parser.add_argument("--topic-grid", default="100x100", help="topics x clients each ('' to skip)")
    parser.add_argument("--rounds", type=int, default=2, help="A B A B: how often ours and Node repeat")
    parser.add_argument("--step-seconds", type=float, default=2.0)
    parser.add_argument("--generators", type=int, default=1, help="load generator processes (bench/multigen.py)")
    parser.add_argument("--max-steps", type=int, default=7)
    parser.add_argument("--start-deliveries", type=float, default=10000.0)
    parser.add_argument("--catchup-sizes", default="10000,100000")
    parser.add_argument("--log-events", type=int, default=20000)
    parser.add_argument("--only", default="", help="comma list of variants to run (default: all)")
    parser.add_argument("--skip", default="", help="comma list of: fanout,catchup,log")
    parser.add_argument("--out", default=str(BENCH / "results"))
    args = parser.parse_args()
    args.catchup_sizes = [int(x) for x in args.catchup_sizes.split(",") if x]
    skip = set(args.skip.split(","))

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it: 10k sockets each side

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    results: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "args": vars(args)}
    log("machine:", results["machine"]["cpu"], results["machine"]["cores"], "cores; load", os.getloadavg())

    if "fanout" not in skip:
        runs: list[dict[str, Any]] = []
        plan: list[tuple[int, int, list[str]]] = []
        for size in [int(s) for s in args.sizes.split(",") if s]:
            order = ["ours", "node", "plain", "ours-nofast", "ours-nolog"]
            for _ in range(args.rounds - 1):
                order += ["ours", "node"]  # A B A B: the headline pair again, later in the run
            plan.append((size, 1, order))
        if args.topic_grid:
            t, c = (int(x) for x in args.topic_grid.split("x"))
            plan.append((t * c, t, ["ours", "node", "plain"]))
        for clients, topics, order in plan:
            log(f"fan-out: {clients} clients on {topics} topic(s): {' '.join(order)}")
            for variant in order:
                if args.only and variant not in args.only.split(","):
                    continue
                try:
                    runs.append(fanout(variant, clients, topics, args))
                except Exception as exc:  # record it and go on with the others
                    log(f"  {variant} failed: {exc}")
                    runs.append({"variant": variant, "clients": clients, "topics": topics, "error": str(exc)})
        results["fanout"] = runs
    if "catchup" not in skip:
        log("catch-up")
        results["catchup"] = catchup(args)
    if "log" not in skip:
        log("event log append throughput")
        results["event_log"] = event_log(args)
        log("  ", json.dumps(results["event_log"].get("summary", results["event_log"]))[:400])
    results["runtime_seconds"] = time.monotonic() - started

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{stamp}.json"
    json_path.write_text(json.dumps(results, separators=(",", ":")))
    log("wrote", json_path)
    from bench.report import write_report

    md = write_report(results, out, stamp)
    log("wrote", md, "and docs/benchmarks.md")
    # The figures, as the issue asked: the peers' table with our rows, and where the targets stand.
    text = md.read_text()
    for title in ("## Fan-out", "## Targets"):
        section = text[text.index(title):]
        end = section.find("\n\n", section.index("| ---"))
        print("\n" + section[: end if end > 0 else None], flush=True)


if __name__ == "__main__":
    main()
