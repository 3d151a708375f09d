"""Mail transports from a URL: SMTP with STARTTLS, SMTP over TLS, or `.eml` files in a folder.

`smtp://user:pass@host:587` insists on STARTTLS (a server that does not offer it is an error,
never a silent downgrade); `?tls=none` turns that off explicitly for a relay on localhost.
`smtps://user:pass@host:465` speaks TLS from the first byte. `file:///path` writes each message
as an `.eml` file, which is the embedded default (no mail server needed to try things out).
"""

from __future__ import annotations

import contextlib
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
    return SmtpTransport(host, port, "tls" if parts.scheme == "smtps" else tls, user, password)


class SmtpTransport:
    """Sends over one SMTP connection kept open for a batch (`close()` ends it).

    A connection is probed with NOOP before it is reused and replaced if the server dropped it,
    so a message is only ever handed over once per call: a failure after that raises as usual.
    The TLS context (loading the CA bundle is the slow part) is made once per transport.
    """

    def __init__(self, host: str, port: int, tls: str, user: str | None, password: str) -> None:
        self.host, self.port, self.tls, self.user, self.password = host, port, tls, user, password
        self._context: ssl.SSLContext | None = None
        self._client: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context()
        return self._context

    def _connect(self) -> smtplib.SMTP:
        client: smtplib.SMTP
        if self.tls == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=self._tls_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        try:
            client.ehlo()
            if self.tls == "starttls":
                client.starttls(context=self._tls_context())  # raises SMTPNotSupportedError if not offered
                client.ehlo()
            if self.user:
                client.login(self.user, self.password)
        except BaseException:
            client.close()
            raise
        return client

    def _open(self) -> smtplib.SMTP:
        if self._client is not None:
            try:
                if self._client.noop()[0] == 250:
                    return self._client
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        self._client = self._connect()
        return self._client

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __call__(self, message: EmailMessage) -> None:
        """Hand `message` to the server; raises on any failure (the connection is then dropped)."""
        client = self._open()
        try:
            client.send_message(message)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise  # the server answered (smtplib has reset the transaction): the connection stays usable
        except BaseException:
            self._drop()
            raise

    def close(self) -> None:
        """End the batch: QUIT and close the connection."""
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # a server gone already is fine here
                self._client.quit()
            self._drop()


def _file_transport(folder: Path) -> Transport:
    def send(message: EmailMessage) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        mail_id = message["X-Dialog-Mail-Id"] or "mail"
        target = folder / f"{mail_id}.eml"
        partial = target.with_suffix(".eml.partial")
        partial.write_bytes(bytes(message))
        partial.replace(target)  # a reader never sees half a message

    return send
