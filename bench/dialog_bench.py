"""Our server for the benchmark: the real app (wsgi.py's create_app) plus a bench-only publisher.

`POST /bench/publish {"rate", "seconds", "topics", "step", "log", "first"}` publishes `bench.tick` events
for `seconds` at `rate` events/s, round-robin over `topics` (bench.<first> … bench.<first+topics-1>), and
answers when done with how many it published per topic. Each event carries its send time
(`t`, ms since the epoch) and a pad to make the data ~100 bytes.

- `log: true` (the default): each event is its own transaction through the transactional outbox
  (`events.publish` + commit) -> event log -> the relay (woken by the commit) -> the sinks.
- `log: false`: the same envelope is pushed to the relay's sinks directly (no database): the
  "event log off" comparison.

Also `POST /bench/fill {"count", "topic"}` appends `count` events in batched transactions (for the
catch-up scenario). Production code never imports this module.
"""

from __future__ import annotations

import time
from typing import Any

from flask import jsonify, request

from bench.ticks import BenchTick
from dialog import create_app
from dialog.extensions import db, socketio
from dialog.realtime import realtime_of
from events import Event, publish

app = create_app()
PAD = "x" * 60


def _publish_loop(rate: float, seconds: float, topics: int, step: int, use_log: bool, first: int = 0) -> dict[str, Any]:
    realtime = realtime_of(app)
    relay = realtime.relay
    counts = [0] * topics
    start = time.monotonic()
    n = 0
    fake_id = 10**12 + step * 10**7  # ids of log-off events (never collide with the log's)
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) * rate) + 1
        # Stop at the deadline even inside a burst: a publisher that falls behind would otherwise
        # chase an ever larger backlog and stretch a 2-second step to half a minute.
        while n < due and time.monotonic() - start < seconds:
            topic_no = n % topics
            tick = BenchTick(t=time.time() * 1000.0, s=step, pad=PAD)
            topic = f"bench.{first + topic_no}"
            if use_log:
                with db.write() as session:
                    publish(session, tick, topic=topic)
            else:
                fake_id += 1
                event = Event(type="bench.tick", topic=topic, data=tick.to_data(), id=fake_id, epoch="bench")
                with relay.lock:
                    for sink in relay.sinks:
                        sink.push([event])
            counts[topic_no] += 1
            n += 1
        socketio.sleep(max(0.0, min(0.005, start + (n / rate) - time.monotonic())))
    return {"published": n, "per_topic": counts, "seconds": time.monotonic() - start}


@app.post("/bench/publish")
def bench_publish() -> Any:
    body = request.get_json(force=True)
    result = _publish_loop(
        float(body["rate"]),
        float(body["seconds"]),
        int(body.get("topics", 1)),
        int(body.get("step", 0)),
        bool(body.get("log", True)),
        int(body.get("first", 0)),
    )
    return jsonify(result)


@app.post("/bench/fill")
def bench_fill() -> Any:
    body = request.get_json(force=True)
    count, topic = int(body["count"]), str(body.get("topic", "bench.0"))
    batch = 1000
    done = 0
    while done < count:
        with db.write() as session:
            for _ in range(min(batch, count - done)):
                publish(session, BenchTick(t=time.time() * 1000.0, s=-1, pad=PAD), topic=topic)
                done += 1
        socketio.sleep(0)
    return jsonify({"filled": done})
