"""gunicorn's own error answers in our JSON error shape.

gunicorn refuses some requests before the application sees them (a request line longer than
`limit_request_line`, too many or too large headers, malformed HTTP) and answers with an HTML
page of its own. gunicorn.conf.py swaps its writer for `write_json_error` in every worker, so
those answers are `{"error": {"code", "message", "details"}}` like all others.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from dialog.errors import error_body

MESSAGES = {
    400: "the request is not valid HTTP",
    403: "the request is refused",
    414: "the URL is longer than this server accepts",
    431: "the request headers are larger or more than this server accepts",
    500: "something went wrong on our side",
    501: "this transfer coding is not supported",
}


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """What gunicorn.util.write_error does, with a JSON body (gunicorn's own detail is logged, not sent)."""
    message = MESSAGES.get(status_int, reason.lower())
    body = json.dumps(error_body(status_int, message), separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    """Make this process's gunicorn worker answer its own errors in JSON."""
    util.write_error = write_json_error
