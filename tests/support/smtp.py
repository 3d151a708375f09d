"""A real SMTP server (aiosmtpd) on a free port that keeps what it receives, for the mail tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port


@dataclass
class Inbox:
    """The messages the server accepted, parsed, in arrival order."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    # The client's (address, port) per message: one port for several messages is one connection.
    peers: list[tuple[str, int]] = field(default_factory=list)
    # Recipient -> the reply refusing it (`550 no such user`, `451 try later`).
    refuse: dict[str, str] = field(default_factory=dict)
    # Recipients whose RCPT is not answered until `release` is set (a sender stuck mid-conversation).
    stall: set[str] = field(default_factory=set)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        """`DIALOG_MAIL_URL` of this server (plain SMTP on localhost, explicitly without TLS)."""
        return f"smtp://127.0.0.1:{self.port}?tls=none"

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        """aiosmtpd's hook: refuse or stall the recipients the test asked for, accept the rest."""
        if address in self.stall:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def ids(self) -> list[str]:
        """The X-Dialog-Mail-Id of every message received, in arrival order."""
        return [str(m["X-Dialog-Mail-Id"]) for m in self.messages]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802  (aiosmtpd's hook name)
        """aiosmtpd's hook: keep the message."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.peers.append(tuple(session.peer))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 20.0, count: int = 1) -> list[EmailMessage]:
        """The messages to `to` once there are at least `count` (AssertionError after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = [m for m in self.messages if m["To"] == to]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                assert left > 0, f"no mail to {to} within {timeout} s; got {[m['To'] for m in self.messages]}"
                self._arrived.wait(left)


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[Inbox]:
    """Run an SMTP server until the block ends."""
    inbox = Inbox(port or free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        inbox.release.set()
        controller.stop()


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a multipart/alternative message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "both a text and an HTML part"
    return str(text.get_content()), str(html.get_content())
