"""gunicorn settings for the production async mode (gevent); override any with GUNICORN_CMD_ARGS."""

import os

worker_class = "gevent"
workers = 1  # one process per core is done with several instances behind nginx (sticky sessions)
worker_connections = int(os.environ.get("DIALOG_WORKER_CONNECTIONS", "10000"))
timeout = 60
graceful_timeout = 20
keepalive = 5
bind = os.environ.get("DIALOG_BIND", "127.0.0.1:5000")
raw_env = ["DIALOG_ASYNC_MODE=gevent"]
# What gunicorn reads before the application sees a request; beyond these it answers itself
# (414, 431), in our JSON error shape (post_worker_init). The request line's limit is gunicorn's
# maximum, like nginx's 8k header buffers; headers: at most 100, each at most 8 KB.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker):  # noqa: ANN001, ANN201
    """JSON for gunicorn's own errors; start the relay, retention sweep and (unless
    DIALOG_EMBEDDED_SCHEDULER=0) the scheduler; then keep the start-up heap out of garbage
    collection, and collect fully less often (dialog.heap)."""
    from dialog import gunicorn_errors
    from dialog.heap import collect_fully_less_often, freeze_startup_objects
    from dialog.realtime import realtime_of
    from dialog.scheduler import start_embedded

    gunicorn_errors.install()
    realtime_of(worker.wsgi).start()
    start_embedded(worker.wsgi)
    freeze_startup_objects()
    collect_fully_less_often()
