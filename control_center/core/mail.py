"""Outgoing e-mail: an SMTP adapter for production and an outbox for the demo and tests.

Both take the same ``Message`` and return the Message-ID, so the code that sends written reports and
key notices cannot tell them apart. The outbox keeps what it was given and, when it has a folder,
writes each message there as an .eml file a mail client can open.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str  # plain text, UTF-8


class Mailer(Protocol):
    async def send(self, message: Message) -> str: ...


def _email(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, message.to, message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    email.set_content(message.body, charset="utf-8")
    return email


class SmtpMailer:
    """``smtp://user:password@host:587`` (STARTTLS) or ``smtps://…:465``."""

    def __init__(self, url: str, sender: str) -> None:
        self.url = urlsplit(url)
        self.sender = sender

    def _send(self, email: EmailMessage) -> None:
        host, port = self.url.hostname or "localhost", self.url.port
        if self.url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=30)
        else:
            client = smtplib.SMTP(host, port or 587, timeout=30)
        with client:
            if self.url.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls()
            if self.url.username:
                client.login(unquote(self.url.username), unquote(self.url.password or ""))
            client.send_message(email)

    async def send(self, message: Message) -> str:
        email = _email(message, self.sender)
        await asyncio.to_thread(self._send, email)
        return str(email["Message-ID"])


class Outbox:
    """The fake: keeps every message (``sent``) and writes .eml files into ``folder`` if given."""

    def __init__(self, sender: str = "center@example.jp", folder: str | None = None) -> None:
        self.sender = sender
        self.folder = Path(folder) if folder else None
        self.sent: list[Message] = []

    async def send(self, message: Message) -> str:
        email = _email(message, self.sender)
        self.sent.append(message)
        if self.folder is not None:
            # Messages hold one-time signing codes and subscribers' data: only our user may read them.
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            name = f"{len(list(self.folder.glob('*.eml'))) + 1:05d}.eml"
            fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(bytes(email))
        return str(email["Message-ID"])


def mailer_from(url: str | None, sender: str, outbox_folder: str | None) -> Mailer:
    return SmtpMailer(url, sender) if url else Outbox(sender, outbox_folder)
