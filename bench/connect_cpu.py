"""The server's CPU per /live client connecting and subscribing, for checkouts side by side.

    python bench/connect_cpu.py --clients 2000 --rounds 3 --trees /work/main,/work/wt/connect

Per round and tree (alternating A B A B): a fresh server of that tree started as the fan-out bench
starts ours (gunicorn + gevent, the /live connect limit lifted), `--clients` bench/loadgen.js clients
connected over WebSocket and subscribed (one of `--topics` public topics each, anonymously), and the
worker's CPU over that phase divided by the clients: what bench/fanout.py reports as "connect:".
Prints one JSON line per run, then the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ONE_RUN = """
import json, os, sys, time
from bench.common import LoadGen, cpu_seconds, make_server
clients, topics = int(sys.argv[1]), int(sys.argv[2])
server = make_server("ours").start()
try:
    pid = server.worker_pid
    time.sleep(0.5)
    cpu0 = cpu_seconds(pid)
    gen = LoadGen(server.url, clients, topics)
    ready = gen.read(timeout=600)
    cpu = cpu_seconds(pid) - cpu0
    gen.stop()
finally:
    server.stop()
print(json.dumps({"subscribed": ready["subscribed"], "failed": ready["failed"], "wall_s": ready["connect_ms"] / 1000,
                  "cpu_ms_per_client": round(1000 * cpu / max(1, ready["subscribed"]), 3),
                  "load": round(os.getloadavg()[0], 2)}))
"""


def run(tree: Path, clients: int, topics: int) -> dict[str, object]:
    """One server of `tree`, `clients` connected and subscribed; its CPU per client."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run(
        [sys.executable, "-c", ONE_RUN, str(clients), str(topics)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return {"tree": str(tree), **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> None:
    """Alternate the trees for `--rounds` rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trees", default=str(Path(__file__).resolve().parents[1]), help="comma-separated checkouts")
    args = parser.parse_args()
    for _ in range(args.rounds):
        for tree in args.trees.split(","):
            print(json.dumps(run(Path(tree), args.clients, args.topics)), flush=True)
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
