"""`procurement.mailer`: one SMTP session per worker process, kept across messages, opened
again when the server dropped it, and never used for another backend's settings."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage

from core.outbox import smtp as mailer


class Sink:
    def __init__(self) -> None:
        self.sessions: set[tuple] = set()
        self.subjects: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.sessions.add(session.peer)
        subject = next(
            line for line in envelope.content.decode().splitlines() if line.startswith("Subject:")
        )
        self.subjects.append(subject.removeprefix("Subject: "))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    mailer.close()
    controller.stop()


def _message(subject: str) -> EmailMessage:
    return EmailMessage(subject=subject, body="Recall notice.", to=["pharmacy@hosp-001.example"])


def test_messages_share_one_smtp_session(smtp_sink):
    for number in range(3):
        mailer.send(_message(f"Notice {number}"))

    assert smtp_sink.subjects == ["Notice 0", "Notice 1", "Notice 2"]
    assert len(smtp_sink.sessions) == 1


def test_a_session_the_server_dropped_is_opened_again_and_the_message_sent_once(smtp_sink):
    mailer.send(_message("Before"))
    mailer._local.connection.connection.sock.shutdown(socket.SHUT_RDWR)  # dropped while idle

    mailer.send(_message("After"))

    assert smtp_sink.subjects == ["Before", "After"]
    assert len(smtp_sink.sessions) == 2


def test_a_mail_server_that_is_down_raises_and_keeps_no_session(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    with pytest.raises(OSError):
        mailer.send(_message("Nobody listening"))

    assert mailer._local.connection is None


def test_another_backend_is_used_per_message_and_not_kept(mailoutbox):
    mailer.send(_message("In memory"))

    assert [message.subject for message in mailoutbox] == ["In memory"]
    assert getattr(mailer._local, "connection", None) is None


def test_a_session_inherited_through_a_fork_is_left_to_the_parent(smtp_sink, monkeypatch):
    mailer.send(_message("Parent"))
    parents = mailer._local.connection
    monkeypatch.setattr(mailer.os, "getpid", lambda: -1)  # as in a forked child

    mailer.send(_message("Child"))

    assert parents.connection is not None  # not closed: the parent still uses it
    assert mailer._local.connection is not parents
    assert smtp_sink.subjects == ["Parent", "Child"]
    parents.close()
