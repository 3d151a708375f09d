"""What every bench scenario shares: logging, /proc readings, the servers under test, the generator.

Scenarios live in their own modules (bench/fanout.py, bench/rest_writes.py ...) and register with
bench/registry.py; bench/run.py runs them. Nothing here is imported by the app.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tools.servers import free_port

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
P99_LIMIT_MS = 100.0


def log(*args: Any) -> None:
    """Print a time-stamped progress line."""
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def rss_bytes(pid: int) -> int:
    """Resident set size of `pid`."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def children(pid: int) -> list[int]:
    """Child process ids of `pid` (gunicorn's workers)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (nginx's workers, PostgreSQL's backends, gunicorn's worker)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children(current))
    return out


def _tree_cpu(pid: int) -> dict[int, float]:
    seconds: dict[int, float] = {}
    for p in process_tree(pid):
        with contextlib.suppress(OSError):  # exited meanwhile
            seconds[p] = cpu_seconds(p)
    return seconds


class CpuMeter:
    """CPU used by named groups of processes (each a root pid and its descendants) over a window, from /proc.

    `start()` then `stop()` gives each group's share of one core over the wall time between them,
    plus `machine` (the busy share of all cores, as cores: 2.0 = both busy) and `others` (what the
    machine used beyond the groups: other people's work on a shared machine). A process that
    appears during the window counts from zero; one that exits during it is not counted.
    """

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self._t0 = 0.0
        self._cpu0: dict[str, dict[int, float]] = {}
        self._machine0 = (0.0, 0.0)
        self.seconds = 0.0  # the window's wall time, once stopped

    def start(self) -> CpuMeter:
        """Take the first reading."""
        self._cpu0 = {name: self._read(pids) for name, pids in self.groups.items()}
        self._machine0 = machine_cpu()
        self._t0 = time.monotonic()
        return self

    @staticmethod
    def _read(roots: list[int]) -> dict[int, float]:
        seconds: dict[int, float] = {}
        for root in roots:
            seconds.update(_tree_cpu(root))
        return seconds

    def stop(self) -> dict[str, float]:
        """Each group's CPU share of one core since `start()`, `machine` and `others` (in cores)."""
        wall = max(1e-9, time.monotonic() - self._t0)
        self.seconds = wall
        busy0, total0 = self._machine0
        busy1, total1 = machine_cpu()
        out: dict[str, float] = {}
        for name, pids in self.groups.items():
            before, after = self._cpu0[name], self._read(pids)
            out[name] = sum(v - before.get(p, 0.0) for p, v in after.items()) / wall
        cores = os.cpu_count() or 1
        out["machine"] = cores * (busy1 - busy0) / max(1.0, total1 - total0)
        out["others"] = max(0.0, out["machine"] - sum(v for k, v in out.items() if k != "machine"))
        return out


def settle(pids: list[int], timeout: float = 30.0, idle_share: float = 0.05) -> float:
    """Wait until the processes `pids` (with their descendants) are idle: < `idle_share` of a core
    over half a second, or `timeout`; return the seconds waited.

    E.g. after 2,000 clients disconnect at once a web process spends seconds closing their sessions:
    a measurement started then would measure that instead.
    """
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        meter = CpuMeter({"all": pids}).start()
        time.sleep(0.5)
        if meter.stop()["all"] < idle_share:
            break
    return time.monotonic() - began


def established(port: int) -> int:
    """Established TCP connections to the local `port` (IPv4), from /proc/net/tcp."""
    hex_port = f":{port:04X}"
    count = 0
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split(maxsplit=4)
            if fields[1].endswith(hex_port) and fields[3] == "01":
                count += 1
    return count


def run_json(
    command: list[str], timeout: float, *, stream: bool = True, started: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Run a bench subprocess (`python bench/x.py ...` or `node bench/x.js ...`) and return its JSON answer.

    Every bench module starts its helper process this way: from the repository root, with
    PYTHONPATH and NODE_PATH set, the answer being the last stdout line that is a JSON object (or,
    for a pretty-printed answer, everything from the first line that opens one). Other stdout lines
    are progress: shown as they come with `stream`. `started(pid)` is called once it runs (to
    account its CPU). On failure: {"error": the stderr's tail}.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT), NODE_PATH=str(BENCH / "node_modules"))
    with tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        watchdog = threading.Timer(timeout, process.kill)  # a hung helper must not hang the whole run
        watchdog.start()
        if started is not None:
            started(process.pid)
        lines: list[str] = []
        try:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                if stream and not line.startswith(("{", " ", "}", "[", "]")):
                    print("   ", line, end="", flush=True)
            process.wait()
        finally:
            watchdog.cancel()
        err.seek(0)
        stderr = err.read()
    if process.returncode == -signal.SIGKILL:
        return {"error": f"{Path(command[1]).name} timed out after {timeout:.0f} s"}
    answer = _json_answer(lines)
    if process.returncode != 0 or answer is None:
        tail = (stderr or "".join(lines))[-2000:]
        return {"error": f"{Path(command[1]).name} exited {process.returncode}: {tail}"}
    return answer


def _json_answer(lines: list[str]) -> dict[str, Any] | None:
    for line in reversed(lines):
        if line.startswith("{") and line.rstrip().endswith("}"):
            try:
                return dict(json.loads(line))
            except ValueError:
                break
    opening = next((n for n, line in enumerate(lines) if line.rstrip() == "{"), None)
    if opening is None:
        return None
    try:
        return dict(json.loads("".join(lines[opening:])))
    except ValueError:
        return None


# -- servers -------------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    kind: str  # ours | plain | node
    env: dict[str, str] = field(default_factory=dict)
    log_on: bool = True
    seed: bool = False  # load the demo data (members with known passwords) after migrating
    migrate: bool = True  # False: the database is shared with a server that migrated it already
    app: str = "bench.dialog_bench:app"
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
                # Every bench client connects from 127.0.0.1: the per-address /live connect limit
                # (300/minute by default) would refuse all but the first 300 and look like loss.
                DIALOG_RATELIMIT_LIVE_CONNECT_PER_ADDRESS="1000000/minute",
                **self.env,
            )
            if self.migrate:
                subprocess.run(
                    [PY, "-m", "flask", "--app", "wsgi:app", "dialog", "migrate"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
            if self.seed:
                subprocess.run(
                    [PY, "-m", "flask", "--app", "wsgi:app", "dialog", "seed-demo", "--if-empty"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    timeout=300,
                )
            cmd = [
                PY,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{self.port}",
                self.app,
            ]
        elif self.kind == "plain":
            cmd = [
                PY,
                "-m",
                "gunicorn",
                "-c",
                str(BENCH / "gunicorn_plain.conf.py"),
                "-b",
                f"127.0.0.1:{self.port}",
                "bench.plain_app:app",
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
            tree = process_tree(self.process.pid)
            # gunicorn: SIGQUIT is its quick shutdown, and the worker is killed outright: closing
            # thousands of sessions one by one (or SIGTERM's graceful_timeout, 20 s) only costs the
            # run time, and every database here is thrown away.
            self.process.send_signal(signal.SIGTERM if self.kind == "node" else signal.SIGQUIT)
            for pid in tree[1:]:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            # A worker whose master was killed would live on and eat the next scenario's CPU.
            for pid in tree[1:]:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def make_server(variant: str) -> Server:
    """One of the fan-out servers by its variant name."""
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
def generators_for(clients: int, wanted: int = 0) -> int:
    """Generator processes for `clients`: `wanted` if > 0, else one per core from 5,000 clients, else one.

    One loadgen.js process is one event loop on one core; at 10,000 clients one event means 10,000
    frames to read, so there one process per core keeps the generator from being the limit.
    """
    if wanted > 0:
        return wanted
    return max(1, os.cpu_count() or 1) if clients >= 5000 else 1


class LoadGen:
    """bench/loadgen.js: thousands of Socket.IO clients in one Node process, driven over stdin/stdout."""

    def __init__(self, url: str, clients: int, topics: int, **extra: Any) -> None:
        opts = {"url": url.replace("http://", "ws://"), "clients": clients, "topics": topics, **extra}
        from bench.multigen import start_loadgen

        self.process = start_loadgen(opts)

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


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)  # idle + iowait
    total = sum(values[:8])
    return total - idle, total


class LoadSampler:
    """Samples the machine's load (1-min load average, CPU busy share) every `interval` s in a thread.

    The machine is shared: the report shows what else ran while each scenario measured.
    """

    def __init__(self, interval: float = 2.0) -> None:
        import threading

        self.interval = interval
        self.samples: list[tuple[float, float, float]] = []  # (unix time, loadavg1, busy share of all cores)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> LoadSampler:
        """Start sampling."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        busy0, total0 = machine_cpu()
        while not self._stop.wait(self.interval):
            busy1, total1 = machine_cpu()
            share = (busy1 - busy0) / max(1.0, total1 - total0)
            busy0, total0 = busy1, total1
            self.samples.append((time.time(), os.getloadavg()[0], share))

    def summary(self, since: float = 0.0, until: float = float("inf")) -> dict[str, Any]:
        """Mean and max load average and CPU busy share over the samples in [since, until]."""
        picked = [s for s in self.samples if since <= s[0] <= until]
        if not picked:
            return {"load_avg": os.getloadavg()[0], "load_max": os.getloadavg()[0], "cpu_busy": None, "samples": 0}
        return {
            "load_avg": sum(s[1] for s in picked) / len(picked),
            "load_max": max(s[1] for s in picked),
            "cpu_busy": sum(s[2] for s in picked) / len(picked),
            "samples": len(picked),
        }
