"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`, and FLASK_APP for the CLI."""

from dialog import create_app

app = create_app()
