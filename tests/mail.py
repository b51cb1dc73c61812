"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, with Django's SMTP backend pointed at it.

    from tests.mail import smtp_server_fixture  # noqa: F401  (the fixture "smtp_server")

    def test_something(smtp_server):
        ...                      # Django sends through SMTP to the local server
        message = smtp_server.only_message()
        assert message["To"] == "reader@example.org"

Each test gets a server of its own, on a free port, and the messages it received, parsed.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd's handler: keeps each message received, parsed, in order."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self._lock = threading.Lock()
        self.refuse: set[str] = set()  # addresses to answer "550 no such user"
        self.fail_after: int | None = None  # refuse every message after this many, "451"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            if self.fail_after is not None and len(self.messages) >= self.fail_after:
                return "451 Requested action aborted: try again later"
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages received for `address`."""
        with self._lock:
            return [
                m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt
            ]

    def only_message(self) -> EmailMessage:
        assert len(self.messages) == 1, f"{len(self.messages)} messages received, not 1"
        return self.messages[0]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.recipients.clear()


def text_of(message: EmailMessage) -> str:
    """The plain-text body of a received message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    """The http(s) links in a received message's plain-text body, in order."""
    return re.findall(r"https?://\S+", text_of(message))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_django_at(settings, port: int) -> None:
    """Send Django's mail through plain SMTP to 127.0.0.1:`port`."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings) -> Inbox:
    """Run a local SMTP server for the test and send Django's mail to it; yield its Inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_django_at(settings, controller.port)
    try:
        yield inbox
    finally:
        controller.stop()
