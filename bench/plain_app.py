"""The peer: a minimal plain Flask-SocketIO app on gevent (no event log, no fast path).

Clients connect to `/live`, `subscribe {"topics": [...]}` joins the rooms (ack `{"ok": true}`), and
`POST /bench/publish` broadcasts the same ~100-byte payload with `socketio.emit(..., to=room)`
— the idiomatic Flask-SocketIO broadcast. Run: gunicorn -k gevent -w 1 bench.plain_app:app
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, jsonify, request
from flask_socketio import SocketIO, join_room

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent", cors_allowed_origins="*")
PAD = "x" * 60


@socketio.on("subscribe", namespace="/live")
def subscribe(data: Any) -> dict[str, Any]:
    for topic in data.get("topics", []):
        join_room("topic:" + topic)
    return {"ok": True}


@app.post("/bench/publish")
def bench_publish() -> Any:
    body = request.get_json(force=True)
    rate, seconds = float(body["rate"]), float(body["seconds"])
    topics, step, first = int(body.get("topics", 1)), int(body.get("step", 0)), int(body.get("first", 0))
    counts = [0] * topics
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = int((time.monotonic() - start) * rate) + 1
        while n < due:
            topic_no = n % topics
            payload = {"t": time.time() * 1000.0, "s": step, "pad": PAD}
            socketio.emit("event", payload, to=f"topic:bench.{first + topic_no}", namespace="/live")
            counts[topic_no] += 1
            n += 1
        socketio.sleep(max(0.0, min(0.005, start + (n / rate) - time.monotonic())))
    return jsonify({"published": n, "per_topic": counts, "seconds": time.monotonic() - start})
