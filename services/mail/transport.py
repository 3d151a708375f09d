"""Mail transports from a URL: SMTP with STARTTLS, SMTP over TLS, or `.eml` files in a folder.

`smtp://user:pass@host:587` insists on STARTTLS (a server that does not offer it is an error,
never a silent downgrade); `?tls=none` turns that off explicitly for a relay on localhost.
`smtps://user:pass@host:465` speaks TLS from the first byte. `file:///path` writes each message
as an `.eml` file, which is the embedded default (no mail server needed to try things out).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

# send(message) raises on any failure; the worker retries later.
Transport = Callable[[EmailMessage], None]
TIMEOUT_SECONDS = 30.0


def transport_from_url(url: str) -> Transport:
    """The transport a `DIALOG_MAIL_URL` describes; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return _file_transport(Path(unquote(parts.path)))
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"mail URL must start with smtp://, smtps:// or file://, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("mail URL needs a host")
    options = parse_qs(parts.query)
    tls = options.get("tls", ["starttls" if parts.scheme == "smtp" else "tls"])[0]
    if tls not in ("starttls", "tls", "none"):
        raise ValueError("tls= must be starttls, tls or none")
    host, port = parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 587)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else ""
    return _smtp_transport(host, port, "tls" if parts.scheme == "smtps" else tls, user, password)


def _smtp_transport(host: str, port: int, tls: str, user: str | None, password: str) -> Transport:
    def send(message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if tls == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if tls == "starttls":
                client.starttls(context=context)  # raises SMTPNotSupportedError if not offered
                client.ehlo()
            if user:
                client.login(user, password)
            client.send_message(message)

    return send


def _file_transport(folder: Path) -> Transport:
    def send(message: EmailMessage) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        mail_id = message["X-Dialog-Mail-Id"] or "mail"
        target = folder / f"{mail_id}.eml"
        partial = target.with_suffix(".eml.partial")
        partial.write_bytes(bytes(message))
        partial.replace(target)  # a reader never sees half a message

    return send
