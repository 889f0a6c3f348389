"""Sending one e-mail over an SMTP session that a worker process keeps open across tasks.

Opening a session (TCP connect, greeting, EHLO, STARTTLS and login where configured, QUIT)
costs more than sending a recall notice on an open one; a worker delivering ten thousand
notices, one task each, keeps one session instead of opening ten thousand. Every message is
still its own task with its own claim and attempt row (`procurement.outbox`): only the
connection is shared.

The session belongs to the process and thread that opened it (a forked worker child opens its
own) and to the mail settings it was opened with (a test that swaps the backend gets a new
one). Backends other than SMTP (files in development, memory in tests) are not kept. A session
the server dropped while idle, or that broke, is opened again once before the message counts as
failed; any error closes the session, so the next task starts on a fresh one.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import threading

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

_local = threading.local()

# A reused session can turn out dead only when it is used: the server closed it while idle.
_DEAD_SESSION_ERRORS = (smtplib.SMTPServerDisconnected, ConnectionError)


def send(message: EmailMessage) -> None:
    """Send `message` (errors raised, never silenced) on this process's open SMTP session,
    opening one when there is none."""
    connection, reused = _session()
    if connection is None:  # not SMTP: a connection per message, as Django does it
        message.connection = None
        message.send(fail_silently=False)
        return
    try:
        _send_on(connection, message)
    except _DEAD_SESSION_ERRORS:
        close()
        if not reused:
            raise
        connection, _ = _session()
        _send_on_or_close(connection, message)
    except Exception:
        close()
        raise


def close() -> None:
    """Close this process's session, if any (quietly: it may be dead already)."""
    connection = getattr(_local, "connection", None)
    _local.connection = None
    _local.key = None
    if connection is not None:
        # A dead session cannot be closed more politely.
        with contextlib.suppress(Exception):
            connection.close()


def _send_on_or_close(connection: SmtpBackend, message: EmailMessage) -> None:
    try:
        _send_on(connection, message)
    except Exception:
        close()
        raise


def _send_on(connection: SmtpBackend, message: EmailMessage) -> None:
    message.connection = connection
    connection.send_messages([message])


def _session() -> tuple[SmtpBackend | None, bool]:
    """This process's open SMTP session and whether it was opened by an earlier message;
    (None, False) when the configured backend is not SMTP."""
    key = _settings_key()
    connection = getattr(_local, "connection", None)
    if connection is not None and _local.key == key and connection.connection is not None:
        return connection, True
    if connection is not None and _local.key[0] != key[0]:
        # Inherited through a fork: the socket is the parent's, so a QUIT here would end the
        # parent's session. Forget it without closing.
        _local.connection = _local.key = None
    close()
    connection = get_connection(fail_silently=False)
    if not isinstance(connection, SmtpBackend):
        return None, False
    connection.open()
    _local.connection, _local.key = connection, key
    return connection, False


def _settings_key() -> tuple:
    return (
        os.getpid(),
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
        settings.EMAIL_TIMEOUT,
    )
