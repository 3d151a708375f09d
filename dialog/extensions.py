"""Extension objects, created unbound and bound to the app in create_app()."""

from __future__ import annotations

from flask_socketio import SocketIO

from dialog.openapi import DialogApi
from events import Database

db = Database()
socketio = SocketIO()
api = DialogApi()
