"""gunicorn settings of the plain Flask-SocketIO peer: one gevent worker, like ours (gunicorn.conf.py)."""

worker_class = "gevent"
workers = 1
worker_connections = 20000
timeout = 60
